import { beforeEach, describe, expect, it } from 'vitest';
import { heartbeatVerifier, hmacSigner, sealHeartbeat } from '../../core/heartbeat';
import type { Store } from '../../core/ports';
import { MemoryStore } from '../../adapters/memory-store';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { controlContext, type ControlContext } from '../../control/context';
import { handleHeartbeat } from '../../control/heartbeat';
import { memoryLog } from '../../lib/log';
import { tick, type TickTrigger } from '../../control/tick';
import { ManualClock } from '../helpers/manual-clock';
import { lanCluster, signer } from './helpers/clusters';
import { TestAgent } from './helpers/test-agent';

const config = lanCluster();
const verifier = heartbeatVerifier(config);

let clock: ManualClock;
let store: Store;
let ctx: ControlContext;
let log: ReturnType<typeof memoryLog>;
const agent = (node: string) =>
  new TestAgent(node, { config, signer: signer(), url: () => 'unused', now: () => clock.now() });

beforeEach(() => {
  clock = new ManualClock(1_700_000_000_000);
  store = new MemoryStore();
  log = memoryLog();
  ctx = controlContext({ config, store, clock, log, providers: [new BareMetalProvider({ clock })], instance: 'test' });
});

/** Everything the store holds for the group, to show that a refusal changed nothing. */
async function snapshot() {
  const g = await store.loadGroup('mail');
  return {
    g: { ...g, nodes: [...g.nodes], draining: [...g.draining] },
    events: await store.listEvents('mail', { limit: 1000 }),
  };
}

describe('handleHeartbeat: refusals change nothing', () => {
  const cases: Array<[string, (a: TestAgent) => string | Buffer, number, string]> = [
    ['a forged signature', (a) => forge(a.seal()), 401, 'bad-signature'],
    [
      'another key',
      (a) => sealHeartbeat(JSON.parse(JSON.parse(a.seal()).payload), hmacSigner('someone-elses-key-0123456789')),
      401,
      'bad-signature',
    ],
    ['not JSON', () => '{"alg":', 400, 'malformed'],
    [
      'an envelope without a signature',
      (a) => JSON.stringify({ alg: 'hmac-sha256', payload: JSON.parse(a.seal()).payload }),
      400,
      'malformed',
    ],
    [
      'a payload that breaks the schema',
      (a) => sealHeartbeat({ ...JSON.parse(JSON.parse(a.seal()).payload), seq: -1 }, signer()),
      400,
      'malformed',
    ],
    [
      'ed25519 where the cluster uses HMAC',
      (a) => JSON.stringify({ ...JSON.parse(a.seal()), alg: 'ed25519' }),
      401,
      'wrong-algorithm',
    ],
    [
      'an unknown node',
      () => new TestAgent('n9', { config, signer: signer(), url: () => '', now: () => clock.now() }).seal(),
      401,
      'unknown-node',
    ],
    ['another cluster', (a) => a.seal({ cluster: 'other' }), 409, 'wrong-cluster'],
    ['a stale heartbeat', (a) => a.seal({ sentAt: clock.now() - 6000 }), 409, 'stale'],
    ['a heartbeat from the future', (a) => a.seal({ sentAt: clock.now() + 6000 }), 409, 'future'],
    ['an oversized body', () => Buffer.alloc(config.security.maxHeartbeatBytes + 1, 0x20), 413, 'too-large'],
  ];
  it.each(cases)('%s', async (_, body, status, reason) => {
    const a = agent('n1');
    expect((await handleHeartbeat(ctx, verifier, a.seal())).status).toBe(200);
    const before = await snapshot();
    const reply = await handleHeartbeat(ctx, verifier, body(a));
    expect(reply).toMatchObject({ status, body: { error: { reason } } });
    expect(await snapshot()).toEqual(before);
    expect(log.entries.some((e) => e.msg === 'heartbeat refused' && e.fields?.reason === reason)).toBe(true);
  });

  it('a replayed heartbeat is refused with 409 replayed', async () => {
    const a = agent('n1');
    const first = a.seal();
    expect((await handleHeartbeat(ctx, verifier, first)).status).toBe(200);
    const before = await snapshot();
    await clock.advance(50);
    expect(await handleHeartbeat(ctx, verifier, first)).toMatchObject({
      status: 409,
      body: { error: { reason: 'replayed' } },
    });
    const older = a.seal({ seq: 0 });
    expect(await handleHeartbeat(ctx, verifier, older)).toMatchObject({
      status: 409,
      body: { error: { reason: 'replayed' } },
    });
    expect(await snapshot()).toEqual(before);
  });

  it('two copies of one heartbeat at once: exactly one is accepted', async () => {
    const a = agent('n1');
    await handleHeartbeat(ctx, verifier, a.seal());
    const env = a.seal();
    const replies = await Promise.all([handleHeartbeat(ctx, verifier, env), handleHeartbeat(ctx, verifier, env)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});

describe('handleHeartbeat: accepted', () => {
  it("folds and stores the view with the guard, and answers with this node's assignments", async () => {
    const a = agent('n1');
    const r1 = await handleHeartbeat(ctx, verifier, a.seal());
    expect(r1).toMatchObject({
      status: 200,
      body: { v: 1, cluster: 'mail', node: 'n1', receivedAt: clock.now(), assignments: [], notes: [] },
    });
    const rec = (await store.loadGroup('mail')).nodes.get('n1')!;
    expect(rec.guard).toEqual({ bootId: a.bootId, seq: 1, sentAt: clock.now() });
    expect(rec.view).toMatchObject({
      id: 'n1',
      lastSeen: clock.now(),
      aliveSince: clock.now(),
      checks: { smtp: { ok: true } },
    });

    await tick(ctx, { trigger: { kind: 'api', at: clock.now(), detail: 'test' } });
    await clock.advance(100);
    const r2 = await handleHeartbeat(ctx, verifier, a.seal());
    expect(r2.body).toMatchObject({ assignments: [{ vip: 'smtp', epoch: 1 }] });
  });

  it('notes a draining node and a config digest that differs', async () => {
    await store.setDraining('mail', 'n2', true, clock.now());
    const r = await handleHeartbeat(ctx, verifier, agent('n2').seal({ configDigest: '0000000000000000' }));
    expect((r.body as { notes: string[] }).notes).toEqual([
      expect.stringMatching(/^draining/),
      expect.stringMatching(/^config digest differs: this node runs 0000000000000000/),
    ]);
  });

  it('records hook failures as events', async () => {
    await handleHeartbeat(
      ctx,
      verifier,
      agent('n1').seal({ hookFailures: [{ vip: 'smtp', hook: 'up', error: 'exit 3', at: clock.now() }] }),
    );
    const { events } = await store.listEvents('mail');
    expect(events).toEqual([
      expect.objectContaining({ kind: 'hook-failure', vip: 'smtp', detail: expect.stringContaining('up hook failed') }),
    ]);
  });
});

describe('handleHeartbeat: failover does not wait for a schedule', () => {
  async function twoNodesOwnedByN1() {
    const n1 = agent('n1');
    const n2 = agent('n2');
    await handleHeartbeat(ctx, verifier, n1.seal());
    await handleHeartbeat(ctx, verifier, n2.seal());
    await tick(ctx, { trigger: { kind: 'api', at: clock.now(), detail: 'start' } });
    return { n1, n2 };
  }

  it("a survivor's heartbeat after the owner's deadAfter starts a tick, and its answer carries the VIP", async () => {
    const { n2 } = await twoNodesOwnedByN1();
    const ticks: TickTrigger[] = [];
    const runTick = (t: TickTrigger) => (ticks.push(t), tick(ctx, { trigger: t }));
    await clock.advance(200);
    expect((await handleHeartbeat(ctx, verifier, n2.seal(), { runTick, waitForTick: true })).body).toMatchObject({
      assignments: [],
    });
    expect(ticks).toEqual([]);
    await clock.advance(200); // n1 silent for 400ms > deadAfter 300ms
    const r = await handleHeartbeat(ctx, verifier, n2.seal(), { runTick, waitForTick: true });
    expect(ticks).toEqual([
      expect.objectContaining({ kind: 'heartbeat', detail: expect.stringContaining('smtp n1→n2 owner-dead') }),
    ]);
    expect(r.body).toMatchObject({ assignments: [{ vip: 'smtp', epoch: 2 }] });
  });

  it('a leaving heartbeat moves the VIP at once', async () => {
    const { n1 } = await twoNodesOwnedByN1();
    const r = await handleHeartbeat(ctx, verifier, n1.seal({ leaving: true }), {
      runTick: (t) => tick(ctx, { trigger: t }),
      waitForTick: true,
    });
    expect(r).toMatchObject({
      status: 200,
      trigger: { kind: 'heartbeat' },
      body: { assignments: [], notes: [expect.stringMatching(/^leaving/)] },
    });
    expect((await store.loadGroup('mail')).assignments).toEqual([
      expect.objectContaining({ vip: 'smtp', node: 'n2', epoch: 2 }),
    ]);
  });

  it('the owner failing a check its VIP needs starts a tick', async () => {
    const { n1 } = await twoNodesOwnedByN1();
    n1.checks.smtp = { ok: false, detail: 'refused' };
    const r = await handleHeartbeat(ctx, verifier, n1.seal(), {
      runTick: (t) => tick(ctx, { trigger: t }),
      waitForTick: true,
    });
    expect(r).toMatchObject({
      trigger: { detail: expect.stringContaining('owner-unhealthy') },
      body: { assignments: [] },
    });
  });

  it('a quiet group starts no tick', async () => {
    const { n1, n2 } = await twoNodesOwnedByN1();
    await clock.advance(100);
    for (const a of [n1, n2]) expect(await handleHeartbeat(ctx, verifier, a.seal())).not.toHaveProperty('trigger');
  });

  it('marks the move bound when the new owner first reports the epoch applied', async () => {
    const { n2 } = await twoNodesOwnedByN1();
    await clock.advance(400);
    const r = await handleHeartbeat(ctx, verifier, n2.seal(), {
      runTick: (t) => tick(ctx, { trigger: t }),
      waitForTick: true,
    });
    if (r.ok) n2.apply(r.body);
    await clock.advance(100);
    const boundAt = clock.now();
    await handleHeartbeat(ctx, verifier, n2.seal());
    await clock.advance(100);
    await handleHeartbeat(ctx, verifier, n2.seal());
    const move = (await store.listEvents('mail')).events.find((e) => e.reason === 'owner-dead')!;
    expect(move.timeline).toMatchObject({ bound: boundAt });
  });
});

function forge(envelope: string): string {
  const e = JSON.parse(envelope) as { payload: string };
  return JSON.stringify({ ...e, payload: e.payload.replace('"leaving":false', '"leaving":true') });
}
