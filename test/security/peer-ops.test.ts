import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpsServer, AgentMetrics } from '../../agent/ops';
import { writeOpsToken } from '../../agent/ops/ops-token';
import { HeartbeatBuilder } from '../../agent/heartbeat';
import { PeerOpsBook } from '../../agent/peer/ops-book';
import { peerOpsRoutes } from '../../agent/peer/ops-http';
import { configDigest } from '../../core/config';
import {
  ed25519Signer,
  generateNodeKey,
  heartbeatVerifier,
  privateKeyFrom,
  type ReplayGuard,
} from '../../core/heartbeat';
import { opVerifier, signOp, type PeerOp } from '../../core/peer/ops';
import { startPeerCluster, until } from '../agent/peer/peer-cluster';
import { config as load } from '../helpers/configs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a command without blocking this process (the agent's ops server answers from it). */
async function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const keys = { n1: generateNodeKey(), n2: generateNodeKey(), n3: generateNodeKey() };
const config = load({
  cluster: 'test',
  control: { mode: 'peer' },
  security: { signing: 'ed25519' },
  nodes: Object.entries(keys).map(([id, k], i) => ({
    id,
    interface: 'eth0',
    addresses: [`198.18.0.${11 + i}`],
    publicKey: k.publicKey,
  })),
  vips: [{ name: 'web', address: '198.18.0.101/24', preferred: 'n1' }],
});
const signerOf = (id: keyof typeof keys) => ed25519Signer(privateKeyFrom(keys[id].privateKeyPem));
const NOW = 1_800_000_000_000;

/** n1's book of operations, with a cluster view in which everyone is alive. */
function book() {
  return new PeerOpsBook({
    config,
    self: 'n1',
    signer: signerOf('n1'),
    verify: opVerifier(config),
    now: () => NOW,
    logger: pino({ level: 'silent' }),
    cluster: () => ({ views: [], settled: true, holder: () => 'n1' }),
    changed: () => undefined,
  });
}

/** n2's heartbeats, carrying whatever operations the test gives it. */
function n2Beats(ops: () => PeerOp[]) {
  return new HeartbeatBuilder({
    cluster: config.cluster,
    node: 'n2',
    configDigest: configDigest(config),
    signer: signerOf('n2'),
    now: () => NOW,
    sources: { checks: () => ({}), held: () => [], applied: () => ({}), takeHookFailures: () => [], ops },
  });
}

describe('security: peer operations carried in heartbeats', () => {
  it('an operation forged in another node’s name, or altered on the way, is refused and changes nothing', () => {
    const b = book();
    const verifier = heartbeatVerifier(config);
    const guards = new Map<string, ReplayGuard>();
    // n2 (its key stolen, or a bug) relays a drain of n1 "issued by n3", signed with its own key.
    const forged = signOp(
      config.cluster,
      { kind: 'drain', target: 'n1', on: true, at: NOW, t: 1, issuer: 'n3' },
      signerOf('n2'),
    );
    let carried = [forged];
    const beats = n2Beats(() => carried);
    const envelope = beats.build().envelope;
    const verdict = verifier.verify(envelope, NOW, (n) => guards.get(n));
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    guards.set('n2', verdict.guard);
    b.merge('n2', verdict.heartbeat.ops);
    expect(b.list()).toEqual([]);
    expect(b.view().drained.size).toBe(0);
    expect(b.refusals()).toEqual({ 'op-bad-signature': 1 });

    // n3's genuine operation with one field changed in flight: its signature no longer covers it.
    const genuine = signOp(
      config.cluster,
      { kind: 'pin', target: 'web', on: true, node: 'n2', reason: 'ok', at: NOW, t: 1, issuer: 'n3' },
      signerOf('n3'),
    );
    carried = [{ ...genuine, node: 'n3' }];
    const altered = beats.build().envelope;
    const v2 = verifier.verify(altered, NOW, (n) => guards.get(n));
    if (!v2.ok) throw new Error(v2.message);
    b.merge('n2', v2.heartbeat.ops);
    expect(b.list()).toEqual([]);
    expect(b.refusals()).toEqual({ 'op-bad-signature': 2 });

    // Another cluster's operation (same keys, another name) does not verify here either.
    const foreign = signOp(
      'other',
      { kind: 'drain', target: 'n1', on: true, at: NOW, t: 1, issuer: 'n3' },
      signerOf('n3'),
    );
    b.merge('n2', [foreign]);
    expect(b.list()).toEqual([]);
  });

  it('a replayed heartbeat is refused, and a replayed older operation changes nothing', () => {
    const b = book();
    const verifier = heartbeatVerifier(config);
    const guards = new Map<string, ReplayGuard>();
    const undrain = signOp(
      config.cluster,
      { kind: 'drain', target: 'n1', on: false, at: NOW, t: 1, issuer: 'n3' },
      signerOf('n3'),
    );
    const drain = signOp(
      config.cluster,
      { kind: 'drain', target: 'n1', on: true, at: NOW, t: 2, issuer: 'n3' },
      signerOf('n3'),
    );
    let carried = [undrain];
    const beats = n2Beats(() => carried);
    const first = beats.build().envelope;
    carried = [drain];
    const second = beats.build().envelope;
    for (const env of [first, second]) {
      const v = verifier.verify(env, NOW, (n) => guards.get(n));
      if (!v.ok) throw new Error(v.message);
      guards.set('n2', v.guard);
      b.merge('n2', v.heartbeat.ops);
    }
    expect([...b.view().drained]).toEqual(['n1']);
    // The first datagram again: its seq is old.
    expect(verifier.verify(first, NOW, (n) => guards.get(n))).toMatchObject({ ok: false, reason: 'replayed' });
    // The old undrain inside a new heartbeat: older than the drain held, so nothing changes.
    carried = [undrain];
    const v = verifier.verify(beats.build().envelope, NOW, (n) => guards.get(n));
    if (!v.ok) throw new Error(v.message);
    b.merge('n2', v.heartbeat.ops);
    expect([...b.view().drained]).toEqual(['n1']);
    expect(b.list()).toEqual([drain]);
  });
});

describe('security: only the holder of the agent token operates through the local agent', () => {
  let cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    cleanup = [];
  });

  it('refuses a drain without the token or with a wrong one, and another local user cannot read the token file', async () => {
    const c = await startPeerCluster(3, { heartbeatInterval: 100, deadAfter: 300 });
    cleanup.push(() => c.stop());
    const dir = await mkdtemp(join(tmpdir(), 'ipferry-ops-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755);
    const file = join(dir, 'ops.token');
    const token = await writeOpsToken(file);
    const st = await stat(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid?.());
    const n1 = c.member('n1').peer;
    const server = await startOpsServer({
      listen: '127.0.0.1:0',
      metrics: new AgentMetrics({ processMetrics: false }),
      status: () => ({}),
      logger: pino({ level: 'silent' }),
      routes: peerOpsRoutes({ token, ops: n1.ops, loop: n1.loop, status: () => ({}) }),
    });
    cleanup.push(() => server.close());
    await until(() => n1.loop.snapshot().settled, 5000, 'n1 settled');
    const drain = (auth?: string) =>
      fetch(`http://${server.address}/v1/drain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ node: 'n2' }),
      });
    expect((await drain()).status).toBe(401);
    expect((await drain('Bearer not-the-token')).status).toBe(401);
    expect((await drain(`Bearer ${token}x`)).status).toBe(401);
    expect(n1.ops.list()).toEqual([]);

    // The CLI as another user (uid 65534): it cannot read the token, so it sends nothing.
    const cfg = join(dir, 'peer.json');
    await writeFile(cfg, JSON.stringify(peerConfigFile()), { mode: 0o644 });
    if (process.getuid?.() === 0) {
      const r = await run('setpriv', [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '--import',
        'tsx',
        'cli/main.ts',
        ...['drain', 'n2', '--config', cfg, '--agent', server.address, '--ops-token', file],
      ]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("cannot read the agent's operations token");
      expect(r.stderr).toContain('EACCES');
      expect(n1.ops.list()).toEqual([]);
    }
    // The same command by the token's owner drains.
    const r = await run(process.execPath, [
      ...['--import', 'tsx', 'cli/main.ts', 'drain', 'n2'],
      ...['--config', cfg, '--agent', server.address, '--ops-token', file],
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('n2 drained by');
    expect([...n1.ops.view().drained]).toEqual(['n2']);
  }, 60_000);
});

/** A peer-mode config file for the CLI (it reads only the mode before asking the agent). */
function peerConfigFile() {
  return {
    cluster: 'test',
    control: { mode: 'peer' },
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: ['n1', 'n2', 'n3'].map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
    vips: [{ name: 'web', address: '198.18.0.101/24' }],
  };
}
