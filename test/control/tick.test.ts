import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { heartbeatVerifier } from '../../core/heartbeat';
import { MemoryStore } from '../../adapters/memory-store';
import { systemClock } from '../../lib/clock';
import { controlContext, type ControlContext } from '../../control/context';
import { handleHeartbeat } from '../../control/heartbeat';
import { memoryLog } from '../../lib/log';
import { tick, type TickResult } from '../../control/tick';
import { hetznerCluster, signer } from './helpers/clusters';
import { startHetzner } from './helpers/hetzner';
import { TestAgent } from './helpers/test-agent';

const config = hetznerCluster();
const verifier = heartbeatVerifier(config);
const now = { kind: 'api' as const, detail: 'test' };

let hz: Awaited<ReturnType<typeof startHetzner>>;
let store: MemoryStore;
let log: ReturnType<typeof memoryLog>;
let ctx: ControlContext;
let agents: Record<string, TestAgent>;

beforeEach(async () => {
  hz = await startHetzner(config.nodes);
  store = new MemoryStore();
  log = memoryLog();
  ctx = controlContext({
    config,
    store,
    clock: systemClock,
    log,
    providers: [hz.provider],
    instance: 'cp-a',
    tuning: { moveDeadlineMs: 3000, leaseMs: 5000 },
  });
  agents = Object.fromEntries(
    ['n1', 'n2', 'n3'].map((n) => [n, new TestAgent(n, { config, signer: signer(), url: () => 'unused' })]),
  );
});
afterEach(async () => {
  await hz.close();
});

async function beat(...nodes: string[]): Promise<void> {
  for (const n of nodes) expect((await handleHeartbeat(ctx, verifier, agents[n]!.seal())).status).toBe(200);
}
const done = (r: TickResult) => {
  if (r.status !== 'done') throw new Error(`tick ${r.status}`);
  return r;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tick', () => {
  it('claims, commits, moves through the provider and records the timeline', async () => {
    await beat('n1', 'n2', 'n3');
    const r = done(await tick(ctx, { trigger: { ...now, at: Date.now() } }));
    expect(r).toMatchObject({
      committed: true,
      version: 1,
      failed: 0,
      moves: [{ vip: 'mx', from: null, to: 'n1', reason: 'claim', epoch: 1, outcome: { ok: true, changed: false } }],
    });
    const t = r.moves[0]!.timeline;
    expect(
      t.detected! <= t.decided! && t.decided! <= t.apiStart! && t.apiStart! <= t.apiDone! && t.verified! <= t.apiDone!,
    ).toBe(true);
    const { events } = await store.listEvents('mail');
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'move',
        vip: 'mx',
        to: 'n1',
        reason: 'claim',
        timeline: t,
        outcome: { ok: true, changed: false, calls: expect.any(Number) },
      }),
    ]);
  });

  it('a quiet group: nothing committed, no provider call, no event', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    const changes = hz.changes();
    const r = done(await tick(ctx, { trigger: { ...now, at: Date.now() } }));
    expect(r).toMatchObject({ committed: false, version: 1, moves: [], repairs: [] });
    expect(hz.changes()).toBe(changes);
    expect((await store.listEvents('mail')).events).toHaveLength(1);
  });

  it('the owner dies: the VIP moves with reason owner-dead, timeline from its last heartbeat', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    const lastHeartbeat = (await store.loadGroup('mail')).nodes.get('n1')!.view.lastSeen!;
    await sleep(150);
    await beat('n2', 'n3');
    await sleep(200);
    await beat('n2', 'n3');
    const detected = Date.now();
    const r = done(await tick(ctx, { trigger: { kind: 'deadline', at: detected, detail: 'n1 silent' } }));
    expect(r.moves).toMatchObject([
      { vip: 'mx', from: 'n1', reason: 'owner-dead', epoch: 2, outcome: { ok: true, changed: true } },
    ]);
    expect(r.moves[0]!.timeline).toMatchObject({ lastHeartbeat, detected });
    expect(hz.holderServer()).toBe(config.nodes.find((n) => n.id === r.moves[0]!.to)!.hetzner!.serverId);
  });

  it('a held lease: the tick is skipped and changes nothing', async () => {
    await beat('n1', 'n2');
    await store.acquireLease('mail', { owner: 'cp-b', ttlMs: 5000, now: Date.now() });
    expect(await tick(ctx, { trigger: { ...now, at: Date.now() } })).toMatchObject({ status: 'busy', holder: 'cp-b' });
    expect((await store.loadGroup('mail')).version).toBe(0);
    expect(hz.emulator.calls.count()).toBe(0);
  });

  it('the lease is given back after a tick, also when the tick fails', async () => {
    await beat('n1');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    expect((await store.acquireLease('mail', { owner: 'cp-b', ttlMs: 100, now: Date.now() })).ok).toBe(true);
    await store.releaseLease('mail', 'cp-b');
    const broken = controlContext({
      ...ctx,
      store: Object.assign(Object.create(store) as MemoryStore, {
        loadGroup: () => Promise.reject(new Error('disk on fire')),
      }),
      providers: [hz.provider],
      instance: 'cp-a',
    });
    await expect(tick(broken, { trigger: { ...now, at: Date.now() } })).rejects.toThrow('disk on fire');
    expect((await store.acquireLease('mail', { owner: 'cp-b', ttlMs: 100, now: Date.now() })).ok).toBe(true);
  });

  it('an exhausted request budget: the move is skipped with reason throttled, and recorded', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    await fetch(`${hz.emulator.url}/__admin/drain-rate-limit`, { method: 'POST', body: '{}' });
    await hz.client.getFloatingIp(100).catch(() => undefined); // the answer's RateLimit headers say 0 left
    expect(hz.provider.budget().remaining).toBe(0);
    const changes = hz.changes();
    await sleep(400);
    await beat('n2', 'n3');
    const r = done(await tick(ctx, { trigger: { ...now, at: Date.now() } }));
    expect(r.failed).toBe(1);
    expect(r.moves[0]!.outcome).toMatchObject({
      ok: false,
      reason: 'throttled',
      skipped: true,
      calls: 0,
      message: expect.stringContaining('budget exhausted'),
    });
    expect(hz.changes()).toBe(changes);
    const { events } = await store.listEvents('mail');
    expect(events[0]).toMatchObject({
      reason: 'owner-dead',
      outcome: { ok: false, reason: 'throttled', skipped: true },
    });
    expect(log.entries.some((e) => e.msg === 'move skipped')).toBe(true);
  });

  it('a provider that keeps failing: the move is reported failed with its reason, never silently', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    await fetch(`${hz.emulator.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'error', count: 1000, action: 'assign_floating_ip' }),
    });
    await sleep(400);
    await beat('n2', 'n3');
    const fast = { ...ctx, tuning: { ...ctx.tuning, maxMoveDeadlineMs: 600 } };
    const r = done(await tick(fast, { trigger: { ...now, at: Date.now() } }));
    expect(r.failed).toBe(1);
    expect(r.moves[0]!.outcome).toMatchObject({ ok: false, reason: 'transient' });
    expect((await store.loadGroup('mail')).assignments[0]).toMatchObject({ node: r.moves[0]!.to, epoch: 2 });
    expect(log.entries.some((e) => e.msg === 'move failed')).toBe(true);
  });
});

describe('drift', () => {
  it('someone moves the address by hand: a reconcile puts it back, with reason drift', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    hz.emulator.moveFloatingIp(100, 2);
    await beat('n1', 'n2', 'n3');
    expect(done(await tick(ctx, { trigger: { ...now, at: Date.now() } })).repairs).toEqual([]);
    expect(hz.holderServer()).toBe(2);

    const r = done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(r.committed).toBe(false);
    expect(r.repairs).toMatchObject([
      { vip: 'mx', from: 'n2', to: 'n1', reason: 'drift', epoch: 1, outcome: { ok: true, changed: true } },
    ]);
    expect(hz.holderServer()).toBe(1);
    const { events } = await store.listEvents('mail');
    expect(events[0]).toMatchObject({
      kind: 'move',
      reason: 'drift',
      from: 'n2',
      to: 'n1',
      detail: 'provider has it on n2, committed owner is n1',
    });

    const again = done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(again.repairs).toEqual([]);
  });

  it('an address on a server outside the config is drift too', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    hz.emulator.moveFloatingIp(100, 5);
    const r = done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(r.repairs).toMatchObject([{ from: 'server 5', to: 'n1', reason: 'drift' }]);
    expect(hz.holderServer()).toBe(1);
  });

  it('a provider that cannot be read: no drift is guessed, and the failure is logged', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    await hz.close();
    const r = done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(r.repairs).toEqual([]);
    expect(log.entries.find((e) => e.msg === 'observe failed')).toMatchObject({
      fields: { provider: 'hetzner-cloud' },
    });
  });
});

describe('commit races', () => {
  it('two ticks at once without the lease: one commit, one set of provider calls; the loser reloads and calls nothing', async () => {
    await beat('n1', 'n2', 'n3');
    await tick(ctx, { trigger: { ...now, at: Date.now() } });
    await sleep(400);
    await beat('n2', 'n3');
    const before = hz.changes();
    const other = { ...ctx, instance: 'cp-b' };
    const [a, b] = (
      await Promise.all([
        tick(ctx, { trigger: { ...now, at: Date.now() }, lease: false }),
        tick(other, { trigger: { ...now, at: Date.now() }, lease: false }),
      ])
    ).map(done);
    expect([a!.committed, b!.committed].sort()).toEqual([false, true]);
    const loser = a!.committed ? b! : a!;
    expect(loser).toMatchObject({ conflicts: 1, moves: [] });
    expect(hz.changes() - before).toBe(1);
    expect((await store.loadGroup('mail')).version).toBe(2);
    expect((await store.listEvents('mail')).events.filter((e) => e.reason === 'owner-dead')).toHaveLength(1);
  });

  it('two ticks at once with the lease: one runs, the other is told the lease is held', async () => {
    await beat('n1', 'n2', 'n3');
    const results = await Promise.all([
      tick(ctx, { trigger: { ...now, at: Date.now() } }),
      tick({ ...ctx, instance: 'cp-b' }, { trigger: { ...now, at: Date.now() } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['busy', 'done']);
    expect((await store.loadGroup('mail')).version).toBe(1);
  });
});
