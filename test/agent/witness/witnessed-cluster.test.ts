/**
 * Witnessed liveness end to end in one process: the local control plane (memory store, HTTP on
 * 127.0.0.1) and real witnessed agents (recording host network), each with a real UDP socket on
 * its own loopback address. Partitions are made by dropping datagrams on receipt, per sender.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../core/config';
import { hmacSigner, sealHeartbeat } from '../../../core/heartbeat';
import type { ControlEvent } from '../../../core/ports';
import { startLocalControlPlane, type LocalControlPlane } from '../../../control/local-server';
import { memoryLog } from '../../../lib/log';
import { systemClock } from '../../../lib/clock';
import { HttpTransport } from '../../../agent/heartbeat';
import { RecordingHostNet } from '../../../agent/hostnet';
import { UdpPeers } from '../../../agent/peer/udp-peers';
import { startWitnessedAgent, type WitnessedAgent } from '../../../agent/witness/witnessed-agent';
import { witnessPeers } from '../../../agent/witness/peers';
import { closedPort } from '../../helpers/closed-port';

const PSK = 'witnessed-e2e-psk-0123456789';
const NODES = ['n1', 'n2', 'n3'];
const address = (id: string) => `127.0.0.${30 + NODES.indexOf(id)}`;

interface Running {
  cp: LocalControlPlane;
  config: Config;
  agents: Map<string, WitnessedAgent>;
  hosts: Map<string, RecordingHostNet>;
  /** Datagrams from `from` dropped at `to`. */
  cut: Set<string>;
}

let running: Running | undefined;

afterEach(async () => {
  if (!running) return;
  for (const a of running.agents.values()) await a.stop().catch(() => undefined);
  await running.cp.close();
  running = undefined;
});

async function startCluster(): Promise<Running> {
  const port = await closedPort();
  const config = loadConfig({
    cluster: 'wit',
    control: { mode: 'local', listen: `127.0.0.1:${await closedPort()}`, witness: { port, keepalive: '2s' } },
    security: { psk: PSK },
    timers: { heartbeatInterval: '100ms', deadAfter: '300ms', preemptDelay: '60s', minHold: '1s' },
    nodes: NODES.map((id) => ({ id, interface: 'eth0', addresses: [address(id)] })),
    vips: [{ name: 'web', address: '198.18.7.10/24', preferred: 'n1' }],
  });
  const cp = await startLocalControlPlane({ config, log: memoryLog() });
  const cut = new Set<string>();
  const agents = new Map<string, WitnessedAgent>();
  const hosts = new Map<string, RecordingHostNet>();
  for (const id of NODES) {
    hosts.set(id, new RecordingHostNet());
    const node = config.nodes.find((n) => n.id === id)!;
    // As startWitnessedAgent opens it: sent to the witnesses, heard from every node and nobody else.
    const ring = witnessPeers(config, id);
    const socket = await UdpPeers.open({
      port,
      bind: address(id),
      peers: ring.witnesses,
      sources: ring.everyone,
      ownAddresses: [address(id)],
      logger: pino({ enabled: false }),
    });
    const deliver = socket.onDatagram.bind(socket);
    // The partition: a datagram from a node cut off from this one never arrives.
    socket.onDatagram = (handler) =>
      deliver((d, from) => (cut.has(`${senderOf(from)}>${id}`) ? undefined : handler(d, from)));
    const agent = await startWitnessedAgent({
      config,
      node,
      signer: hmacSigner(PSK),
      psk: PSK,
      hostNet: hosts.get(id)!,
      hostNetKind: 'recording',
      transport: new HttpTransport({ url: `${cp.url}/v1/heartbeat`, cluster: config.cluster, node: id }),
      clock: systemClock,
      logger: pino({ enabled: false }),
      socket,
    });
    agents.set(id, agent);
  }
  running = { cp, config, agents, hosts, cut };
  return running;
}

function senderOf(from: string): string {
  const host = from.slice(0, from.lastIndexOf(':'));
  return NODES.find((id) => address(id) === host) ?? host;
}

async function ownerOf(r: Running, vip = 'web'): Promise<string | null> {
  const state = await r.cp.ctx.store.loadAssignments(r.cp.ctx.group);
  return state.assignments.find((a) => a.vip === vip)?.node ?? null;
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function settled(r: Running): Promise<void> {
  await eventually('n1 holding web, bound', 15_000, async () =>
    (await ownerOf(r)) === 'n1' && r.agents.get('n1')!.agent.reconciler.held().includes('web') ? true : undefined,
  );
}

async function moves(r: Running): Promise<ControlEvent[]> {
  return (await r.cp.ctx.store.listEvents(r.cp.ctx.group, { limit: 100 })).events.filter((e) => e.kind === 'move');
}

/** Stops an agent as a crash would: no leaving report, nothing unbound, its socket gone. */
async function crash(r: Running, id: string): Promise<void> {
  const w = r.agents.get(id)!;
  r.agents.delete(id);
  w.loop.stop();
  await w.agent.stop({ graceful: false });
}

describe('witnessed liveness with real agents on loopback', () => {
  it('an owner that dies is replaced within deadAfter plus one report, and its witnesses say so', async () => {
    const r = await startCluster();
    await settled(r);
    const crashedAt = Date.now();
    await crash(r, 'n1');
    const to = await eventually('web moved off n1', 5000, async () => {
      const owner = await ownerOf(r);
      return owner && owner !== 'n1' ? owner : undefined;
    });
    const tookMs = Date.now() - crashedAt;
    expect(['n2', 'n3']).toContain(to);
    const move = (await moves(r)).find((e) => e.from === 'n1')!;
    expect(move).toMatchObject({ reason: 'owner-dead', to });
    // The audit trail names the witnesses whose word moved it, and when n1 was last heard.
    expect(move.detail).toMatch(/silent to (n2|n3)/);
    expect(move.timeline!.lastHeartbeat).toBeLessThanOrEqual(crashedAt + 5);
    expect(move.timeline!.lastHeartbeat).toBeGreaterThan(crashedAt - 500);
    // deadAfter 300 ms, beats every 100 ms, the report's round trip and the tick: well under a second here.
    expect(tookMs).toBeLessThan(2000);
    await eventually('the new owner binds web', 5000, async () =>
      r.agents.get(to)!.agent.reconciler.held().includes('web') ? true : undefined,
    );
    console.log(`witnessed crash takeover ${JSON.stringify({ tookMs, deadAfterMs: r.config.timers.deadAfter })}`);
  }, 30_000);

  it('an owner cut off from its peers (but not from the control plane) loses its VIP; its word against the others counts for nothing', async () => {
    const r = await startCluster();
    await settled(r);
    for (const other of ['n2', 'n3']) {
      r.cut.add(`n1>${other}`);
      r.cut.add(`${other}>n1`);
    }
    const to = await eventually('web moved off the isolated n1', 5000, async () => {
      const owner = await ownerOf(r);
      return owner && owner !== 'n1' ? owner : undefined;
    });
    expect(['n2', 'n3']).toContain(to);
    // n1 keeps reporting n2 and n3 silent; they stay alive and keep the VIP.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await ownerOf(r)).toBe(to);
    await eventually('n1 lets go of web', 5000, async () =>
      r.agents.get('n1')!.agent.reconciler.held().includes('web') ? undefined : true,
    );
    await eventually('the new owner binds web', 5000, async () =>
      r.agents.get(to)!.agent.reconciler.held().includes('web') ? true : undefined,
    );
    // A LAN address only the host carries: the cut-off owner let go (at its lease, before its
    // witnesses' deadAfter) before the new owner bound it: never two hosts answering.
    const unboundAt = r.hosts
      .get('n1')!
      .operations.find((o) => o.op === 'unbind' && o.addr?.address === '198.18.7.10')!.at;
    const boundAt = r.hosts.get(to)!.operations.find((o) => o.op === 'bind' && o.addr?.address === '198.18.7.10')!.at;
    expect(unboundAt).toBeLessThanOrEqual(boundAt);
  }, 30_000);

  it('an asymmetric partition (n1 hears n2, n2 does not hear n1) moves nothing: one witness is not a majority', async () => {
    const r = await startCluster();
    await settled(r);
    const before = (await moves(r)).length;
    r.cut.add('n1>n2');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await ownerOf(r)).toBe('n1');
    expect((await moves(r)).length).toBe(before);
    const n2 = r.agents.get('n2')!.loop.status();
    expect(n2.watching.find((w) => w.node === 'n1')).toMatchObject({ heard: false });
  }, 30_000);

  it('a report about a node the reporter does not watch, or signed for another node, or sent to peers, changes nothing', async () => {
    const r = await startCluster();
    await settled(r);
    const send = (body: string) =>
      fetch(`${r.cp.url}/v1/heartbeat`, { method: 'POST', body }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { error?: { reason: string } },
      }));
    const base = {
      v: 1 as const,
      cluster: 'wit',
      bootId: 'forged-boot-0001',
      seq: 1,
      sentAt: Date.now() + 1,
      checks: {},
      held: [],
      configDigest: '0123456789abcdef',
    };
    const snapshot = async () => JSON.stringify({ owner: await ownerOf(r), moves: (await moves(r)).length });
    const before = await snapshot();
    // n2 speaks of itself and of a node it does not watch: refused, stored nowhere.
    const outOfRing = await send(
      sealHeartbeat(
        {
          ...base,
          node: 'n2',
          report: true,
          watch: {
            n1: { heard: false, forMs: 5000 },
            n2: { heard: false, forMs: 5000 },
            nope: { heard: false, forMs: 5000 },
          },
        },
        hmacSigner(PSK),
      ),
    );
    expect(outOfRing).toMatchObject({ status: 409, body: { error: { reason: 'out-of-ring' } } });
    // A peer heartbeat replayed at the control plane is not a report.
    const peerBeat = await send(sealHeartbeat({ ...base, node: 'n2', seq: 2, report: false }, hmacSigner(PSK)));
    expect(peerBeat).toMatchObject({ status: 409, body: { error: { reason: 'wrong-channel' } } });
    // A report signed with another key.
    const forged = await send(
      sealHeartbeat(
        { ...base, node: 'n2', seq: 3, report: true, watch: { n1: { heard: false, forMs: 5000 } } },
        hmacSigner('not-the-cluster-key-0123456'),
      ),
    );
    expect(forged).toMatchObject({ status: 401, body: { error: { reason: 'bad-signature' } } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await snapshot()).toBe(before);
  }, 30_000);
});
