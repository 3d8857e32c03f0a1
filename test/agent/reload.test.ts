import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHostNet } from '../../agent/hostnet';
import { startPeerAgent, type PeerAgent } from '../../agent/peer/peer-agent';
import { UdpPeers } from '../../agent/peer/udp-peers';
import { applyConfig, Reloader } from '../../agent/reload';
import { configDigest, loadConfig } from '../../core/config';
import { hmacSigner } from '../../core/heartbeat';
import type { HostAddress } from '../../core/ports';
import { systemClock } from '../../lib/clock';
import { PSK } from './peer/loop-fixture';
import { until } from './peer/peer-cluster';
import { freeUdpPorts } from './peer/udp-ports';

// Three whole peer-mode agents in this process (real UDP on 127.0.0.1, recording hosts), each with
// the Reloader the daemon gives it, all reading one config file that the test rewrites.
const at = (last: number): HostAddress => ({
  address: `198.18.0.${last}`,
  prefixLength: 24,
  family: 4,
  interface: 'eth0',
});
const WEB = at(101);
const MAIL = at(102);

interface Member {
  id: string;
  host: RecordingHostNet;
  peer: PeerAgent;
  reloader: Reloader;
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function cluster() {
  const dir = await mkdtemp(join(tmpdir(), 'ipferry-reload-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'ipferry.json');
  const ports = await freeUdpPorts(3);
  const peers = ports.map((p) => `127.0.0.1:${p}`);
  const doc = (o: { vips: Array<Record<string, unknown>>; heartbeatInterval?: number }) => ({
    cluster: 'reload',
    control: { mode: 'peer', peers },
    security: { psk: PSK },
    timers: { heartbeatInterval: o.heartbeatInterval ?? 200, deadAfter: 1000 }, // lease 700 ms: a loaded host stalls less
    nodes: [1, 2, 3].map((i) => ({ id: `n${i}`, interface: 'eth0', addresses: [`198.18.0.${10 + i}`] })),
    vips: o.vips,
  });
  const write = (text: string) => writeFile(file, text);
  const web = { name: 'web', address: '198.18.0.101/24', preferred: 'n1' };
  await write(JSON.stringify(doc({ vips: [web] })));
  const config = loadConfig(doc({ vips: [web] }));
  const members: Member[] = [];
  const logs: Array<Record<string, unknown>> = [];
  for (const [i, node] of config.nodes.entries()) {
    const logger = pino(
      { level: 'info' },
      { write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>) },
    );
    const transport = await UdpPeers.open({
      port: ports[i]!,
      peers,
      ownAddresses: ['127.0.0.1'],
      bind: '127.0.0.1',
      logger,
    });
    const host = new RecordingHostNet();
    const peer = await startPeerAgent({
      ...{ config, node, signer: hmacSigner(PSK), psk: PSK, hostNet: host, hostNetKind: 'recording (test)' },
      ...{ clock: systemClock, logger: logger.child({ node: node.id }), fence: false, transport },
    });
    cleanup.push(() => peer.stop());
    const reloader = new Reloader({ configFile: file, nodeId: node.id, config, logger, now: Date.now });
    reloader.attach((next) => applyConfig({ agent: peer.agent, loop: peer.loop }, next));
    members.push({ id: node.id, host, peer, reloader });
  }
  const holders = (addr: HostAddress) => members.filter((m) => m.host.has(addr)).map((m) => m.id);
  /** Every bind or unbind that changed the host for this address, on any member. */
  const changes = (addr: HostAddress) =>
    members.flatMap((m) =>
      m.host.operations
        .filter((o) => o.changed && (o.op === 'bind' || o.op === 'unbind') && o.addr?.address === addr.address)
        .map((o) => `${m.id} ${o.op}`),
    );
  /** For failure messages: what the agents said about web, quorum and stalls. */
  const story = () =>
    logs
      .filter((l) => /web|quorum|frozen|peer decision|reload/.test(String(l.msg)))
      .map((l) => `${String(l.node)} ${String(l.time)} ${String(l.msg)} ${JSON.stringify(l.quorum ?? l.why ?? '')}`)
      .join('\n');
  return { file, doc, web, write, members, holders, changes, logs, story };
}

describe('reload in peer mode (in process)', () => {
  it('adds a VIP on every node one after the other: web is never unbound or bound again, mail comes up, digests agree', async () => {
    const c = await cluster();
    await until(() => c.holders(WEB).length === 1, 5000, 'web bound once');
    const before = c.changes(WEB);
    expect(before).toEqual([`${c.holders(WEB)[0]} bind`]);
    const mail = { name: 'mail', address: '198.18.0.102/24' };
    await c.write(JSON.stringify(c.doc({ vips: [c.web, mail] })));
    const records = [];
    for (const m of c.members) {
      records.push(await m.reloader.reload());
      await new Promise((r) => setTimeout(r, 50)); // a rolling reload: the others still run the old config
    }
    for (const r of records) expect(r).toMatchObject({ ok: true, added: ['mail'], removed: [] });
    await until(() => c.holders(MAIL).length === 1, 2000, 'mail bound on one node');
    // Settle a few intervals: no late move of web either.
    await new Promise((r) => setTimeout(r, 500));
    expect(c.changes(WEB), c.story()).toEqual(before);
    expect(c.holders(MAIL)).toHaveLength(1);
    const digests = new Set(c.members.map((m) => m.peer.agent.status().configDigest));
    expect(digests).toEqual(new Set([records[0]!.digest]));
    expect(c.members.every((m) => m.peer.loop.status().diagnostics.length === 0)).toBe(true);
  });

  it('a bad file, a change that needs a restart, a missing node: refused with the reason, nothing changes', async () => {
    const c = await cluster();
    await until(() => c.holders(WEB).length === 1, 5000, 'web bound once');
    const m = c.members[0]!;
    const digest = m.peer.agent.status().configDigest;
    const before = c.changes(WEB);
    await c.write('{"cluster": "reload", "vips": [');
    expect(await m.reloader.reload()).toMatchObject({ ok: false, digest });
    expect(m.reloader.status().last?.message).toMatch(/reload refused, still running .*ipferry\.json is not valid/);
    await c.write(JSON.stringify(c.doc({ vips: [c.web], heartbeatInterval: 300 })));
    const timers = await m.reloader.reload();
    expect(timers).toMatchObject({ ok: false, digest });
    expect(timers!.message).toContain('needs a restart: timers.heartbeatInterval changed (200 → 300 ms');
    const other = {
      ...c.doc({ vips: [{ name: 'web', address: '198.18.0.101/24' }] }),
      nodes: [{ id: 'n9', interface: 'eth0', addresses: ['198.18.0.19'] }],
    };
    await c.write(JSON.stringify(other));
    expect((await m.reloader.reload())!.message).toContain('node "n1" is not in');
    expect(m.peer.agent.status().configDigest).toBe(digest);
    expect(c.changes(WEB), c.story()).toEqual(before);
    expect(c.logs.filter((l) => String(l.msg).startsWith('reload refused'))).toHaveLength(3);
  });

  it('removes a VIP: it goes down where it was bound; web stays', async () => {
    const c = await cluster();
    const mail = { name: 'mail', address: '198.18.0.102/24', preferred: 'n2' };
    await c.write(JSON.stringify(c.doc({ vips: [c.web, mail] })));
    await until(() => c.holders(WEB).length === 1, 5000, 'web bound once');
    for (const m of c.members) await m.reloader.reload();
    await until(() => c.holders(MAIL).length === 1, 2000, 'mail bound');
    const where = c.holders(MAIL)[0]!;
    const webBefore = c.changes(WEB);
    await c.write(JSON.stringify(c.doc({ vips: [c.web] })));
    const records = await Promise.all(c.members.map((m) => m.reloader.reload()));
    expect(records.find((r) => r!.removed!.length > 0)).toMatchObject({ ok: true, removed: ['mail'] });
    expect(c.holders(MAIL)).toEqual([]);
    expect(c.changes(MAIL)).toEqual([`${where} bind`, `${where} unbind`]);
    expect(c.changes(WEB), c.story()).toEqual(webBefore);
    const unbound = c.logs.find((l) => String(l.msg).startsWith('unbound mail'));
    expect(unbound).toMatchObject({ why: 'not-assigned' });
    expect(configDigest(loadConfig(c.doc({ vips: [c.web] })))).toBe(c.members[0]!.peer.agent.status().configDigest);
  });
});
