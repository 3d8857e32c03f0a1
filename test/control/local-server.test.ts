import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../core/config';
import { heartbeatVerifier } from '../../core/heartbeat';
import { handleHeartbeat } from '../../control/heartbeat';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { FAST, lanCluster, PSK, signer } from './helpers/clusters';
import { TestAgent } from './helpers/test-agent';
import { waitFor } from './helpers/wait';

const TOKEN = 'api-token-0123456789abcdef';
const config = lanCluster({
  control: { mode: 'local', liveness: 'direct', apiToken: TOKEN },
  timers: { preemptDelay: 60_000 },
});

let cp: LocalControlPlane;
let agents: Record<string, TestAgent>;

beforeEach(async () => {
  cp = await startLocalControlPlane({
    config,
    log: memoryLog(),
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    reconcileEveryMs: 3_600_000,
  });
  agents = Object.fromEntries(
    ['n1', 'n2', 'n3'].map((n) => [
      n,
      new TestAgent(n, { config, signer: signer(), url: () => `${cp.url}/v1/heartbeat` }),
    ]),
  );
});
afterEach(async () => {
  for (const a of Object.values(agents)) a.stop();
  await cp.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field by the tests
type Json = any;

async function api(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${cp.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** Everyone beats, a tick decides, and everyone beats twice more: answers applied, then reported bound. */
async function settled(): Promise<void> {
  for (const a of Object.values(agents)) await a.beat();
  await cp.tickNow();
  for (let round = 0; round < 2; round++) for (const a of Object.values(agents)) await a.beat();
}

describe('local control plane: heartbeats over HTTP', () => {
  it("answers a heartbeat with the node's assignments once decided", async () => {
    await settled();
    expect(agents.n1!.lastAnswer).toMatchObject({
      cluster: 'mail',
      node: 'n1',
      assignments: [{ vip: 'smtp', epoch: 1 }],
    });
    expect(agents.n2!.lastAnswer!.assignments).toEqual([]);
  });

  it("refusals carry the protocol's status codes and reasons", async () => {
    const a = agents.n1!;
    const env = a.seal();
    expect((await a.post(env)).status).toBe(200);
    expect(await a.post(env)).toEqual({
      status: 409,
      body: { error: { reason: 'replayed', message: expect.any(String) } },
    });
    expect(await a.post('{"nope"')).toMatchObject({ status: 400, body: { error: { reason: 'malformed' } } });
    expect(await a.post(env.replace(/"sig":"[^"]+"/, '"sig":"AAAA"'))).toMatchObject({
      status: 401,
      body: { error: { reason: 'bad-signature' } },
    });
    expect(await a.post('x'.repeat(config.security.maxHeartbeatBytes + 10))).toMatchObject({
      status: 413,
      body: { error: { reason: 'too-large' } },
    });
    const get = await fetch(`${cp.url}/v1/heartbeat`);
    expect(get.status).toBe(405);
  });

  it('heartbeats need no API token; the API does', async () => {
    expect((await agents.n1!.beat()).status).toBe(200);
    expect(await api('GET', '/v1/status', undefined, null)).toMatchObject({
      status: 401,
      body: { error: { reason: 'forbidden' } },
    });
    expect((await api('GET', '/v1/status', undefined, 'wrong-token-0123456789')).status).toBe(401);
  });
});

describe('local control plane: API', () => {
  it('GET /v1/status: nodes, VIPs with owner, epoch, bound and reason, diagnostics', async () => {
    await settled();
    const { status, body } = await api('GET', '/v1/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({ cluster: 'mail', version: 1, digest: cp.ctx.digest, diagnostics: [] });
    expect(body.nodes.map((n: { id: string; state: string }) => [n.id, n.state])).toEqual([
      ['n1', 'alive'],
      ['n2', 'alive'],
      ['n3', 'alive'],
    ]);
    expect(body.vips).toEqual([
      expect.objectContaining({
        vip: 'smtp',
        kind: 'lan',
        node: 'n1',
        epoch: 1,
        bound: true,
        preferred: 'n1',
        reason: 'stable',
      }),
    ]);
    expect(body.recentMoves).toEqual([
      expect.objectContaining({
        vip: 'smtp',
        to: 'n1',
        reason: 'claim',
        timeline: expect.objectContaining({ decided: expect.any(Number), bound: expect.any(Number) }),
      }),
    ]);
  });

  it('GET /v1/events: newest first, paged', async () => {
    await settled();
    await api('POST', '/v1/drain', { node: 'n3' });
    await api('POST', '/v1/undrain', { node: 'n3' });
    const p1 = await api('GET', '/v1/events?limit=2');
    expect(p1.body.events.map((e: { kind: string }) => e.kind)).toEqual(['undrain', 'drain']);
    const p2 = await api('GET', `/v1/events?limit=2&before=${encodeURIComponent(p1.body.next)}`);
    expect(p2.body.events.map((e: { kind: string; reason?: string }) => e.reason ?? e.kind)).toEqual(['claim']);
    expect((await api('GET', '/v1/events?limit=lots')).status).toBe(400);
  });

  it('GET /v1/plan: what a tick would do, without committing', async () => {
    // Heartbeats recorded without starting a tick (as if they had just arrived), so a change is pending.
    const verifier = heartbeatVerifier(config);
    for (const a of Object.values(agents)) expect((await handleHeartbeat(cp.ctx, verifier, a.seal())).status).toBe(200);
    const { body } = await api('GET', '/v1/plan');
    expect(body).toMatchObject({
      version: 0,
      moves: [{ vip: 'smtp', to: 'n1', reason: 'claim', epoch: 1 }],
      reasons: { smtp: { code: 'claim' } },
    });
    expect((await api('GET', '/v1/status')).body.version).toBe(0);
  });

  it('POST /v1/drain moves the VIPs away at once; /v1/undrain lets them come back', async () => {
    await settled();
    const drained = await api('POST', '/v1/drain', { node: 'n1' });
    expect(drained).toMatchObject({
      status: 200,
      body: {
        node: 'n1',
        draining: true,
        event: { kind: 'drain' },
        moves: [{ vip: 'smtp', from: 'n1', reason: 'drain' }],
      },
    });
    const status = (await api('GET', '/v1/status')).body;
    expect(status.nodes[0]).toMatchObject({ id: 'n1', draining: true });
    expect(status.vips[0].node).not.toBe('n1');
    expect(await api('POST', '/v1/undrain', { node: 'n1' })).toMatchObject({ status: 200, body: { draining: false } });
    expect((await api('POST', '/v1/drain', { node: 'n9' })).status).toBe(404);
    expect(await api('POST', '/v1/drain', {})).toMatchObject({
      status: 400,
      body: { error: { reason: 'invalid', message: '"node" must be a non-empty string' } },
    });
    expect((await api('POST', '/v1/drain', 'not json')).status).toBe(400);
  });

  it('POST /v1/move: a pinned manual assignment with reason manual, which preemption leaves alone', async () => {
    await cp.close();
    const cfg = lanCluster({
      control: { mode: 'local', liveness: 'direct', apiToken: TOKEN },
      timers: { preemptDelay: 200 },
    });
    cp = await startLocalControlPlane({
      config: cfg,
      log: memoryLog(),
      listen: '127.0.0.1:0',
      providers: [new BareMetalProvider()],
      reconcileEveryMs: 3_600_000,
    });
    agents = Object.fromEntries(
      ['n1', 'n2', 'n3'].map((n) => [
        n,
        new TestAgent(n, { config: cfg, signer: signer(), url: () => `${cp.url}/v1/heartbeat` }),
      ]),
    );
    await settled();
    await new Promise((r) => setTimeout(r, 250)); // n1 (preferred) has been healthy for longer than preemptDelay
    const r = await api('POST', '/v1/move', { vip: 'smtp', node: 'n2', reason: 'disk swap on n1' });
    expect(r).toMatchObject({
      status: 200,
      body: { move: { vip: 'smtp', from: 'n1', to: 'n2', epoch: 2, reason: 'manual', outcome: { ok: true } } },
    });
    for (let i = 0; i < 3; i++) {
      for (const a of Object.values(agents)) await a.beat();
      await cp.tickNow();
    }
    const s = (await api('GET', '/v1/status')).body;
    expect(s.vips[0]).toMatchObject({ node: 'n2', epoch: 2, pinned: { reason: 'disk swap on n1', by: 'api-token' } });
    const ev = (await api('GET', '/v1/events?limit=1')).body.events[0];
    expect(ev).toMatchObject({ kind: 'move', reason: 'manual', detail: 'disk swap on n1 (by api-token)' });

    // Unpinned, it goes home: preemption applies again (n1 has long been healthy).
    const u = await api('POST', '/v1/unpin', { vip: 'smtp' });
    expect(u).toMatchObject({
      status: 200,
      body: { vip: 'smtp', node: 'n2', wasPinned: true, event: { kind: 'note', vip: 'smtp', epoch: 2 } },
    });
    expect(u.body.event.detail).toBe(
      'smtp unpinned on n2 by api-token (pinned for: disk swap on n1); preemption and rebalancing apply again',
    );
    await waitFor(
      async () => {
        for (const a of Object.values(agents)) await a.beat();
        await cp.tickNow();
        const v = (await api('GET', '/v1/status')).body.vips[0];
        return v.node === 'n1' ? v : undefined;
      },
      { timeoutMs: 5000, what: 'smtp to go home to n1' },
    );
    const home = (await api('GET', '/v1/status')).body.vips[0];
    expect(home).toMatchObject({ node: 'n1', epoch: 3 });
    expect(home.pinned).toBeUndefined();
    // Again: not pinned, nothing changes.
    expect(await api('POST', '/v1/unpin', { vip: 'smtp' })).toMatchObject({
      status: 200,
      body: { vip: 'smtp', node: 'n1', wasPinned: false },
    });
    expect((await api('POST', '/v1/unpin', { vip: 'nope' })).status).toBe(404);
    expect((await api('POST', '/v1/unpin', {})).status).toBe(400);
  });

  it('POST /v1/move refuses what cannot be', async () => {
    await settled();
    expect((await api('POST', '/v1/move', { vip: 'nope', node: 'n2', reason: 'x' })).status).toBe(404);
    expect((await api('POST', '/v1/move', { vip: 'smtp', node: 'n9', reason: 'x' })).status).toBe(404);
    expect((await api('POST', '/v1/move', { vip: 'smtp', node: 'n2' })).status).toBe(400);
    agents.n2!.checks.smtp = { ok: false };
    await agents.n2!.beat();
    expect(await api('POST', '/v1/move', { vip: 'smtp', node: 'n2', reason: 'x' })).toMatchObject({
      status: 409,
      body: { error: { reason: 'conflict', message: expect.stringContaining('fails smtp') } },
    });
  });

  it('unknown routes and methods', async () => {
    expect((await api('GET', '/v1/nothing')).status).toBe(404);
    expect((await api('DELETE', '/v1/status')).status).toBe(405);
  });
});

describe('local control plane: timers', () => {
  it('a silent owner is acted on at its deadline, without any heartbeat', async () => {
    await cp.close();
    const cfg = lanCluster({ timers: { ...FAST } });
    cp = await startLocalControlPlane({
      config: cfg,
      log: memoryLog(),
      listen: '127.0.0.1:0',
      tickEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
    });
    const n1 = new TestAgent('n1', { config: cfg, signer: signer(), url: () => `${cp.url}/v1/heartbeat` });
    const n2 = new TestAgent('n2', { config: cfg, signer: signer(), url: () => `${cp.url}/v1/heartbeat` });
    await n1.beat();
    await n2.beat();
    await cp.tickNow();
    await n2.beat();
    const lastN1 = Date.now();
    await n1.beat();
    // Nobody beats from here on: only the nodes' deadlines can start a tick (n2's passes first, n1's next).
    const moved = await waitFor(
      async () => (await cp.ctx.store.loadGroup('mail')).assignments.find((a) => a.node !== 'n1'),
      { timeoutMs: 5000, what: 'the VIP to leave n1' },
    );
    expect(moved.node).toBe(null);
    const ev = (await cp.ctx.store.listEvents('mail')).events[0]!;
    expect(ev).toMatchObject({ vip: 'smtp', from: 'n1', to: null, reason: 'no-eligible-node' });
    expect(ev.timeline!.detected! - lastN1).toBeGreaterThanOrEqual(cfg.timers.deadAfter);
    expect(ev.timeline!.detected! - lastN1).toBeLessThan(cfg.timers.deadAfter + cfg.timers.heartbeatInterval);
  });

  it('writes structured logs through pino', async () => {
    await cp.close();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const { pinoLog } = await import('../../lib/log');
    cp = await startLocalControlPlane({
      config: loadConfig({
        ...JSON.parse(
          JSON.stringify({ cluster: 'mail', security: { psk: PSK }, nodes: [{ id: 'n1', interface: 'eth0' }] }),
        ),
      }),
      log: pinoLog(logger),
      listen: '127.0.0.1:0',
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      msg: 'control plane listening',
      cluster: 'mail',
      url: cp.url,
    });
  });
});
