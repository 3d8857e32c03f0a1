import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory-store';
import { controlContext, type ControlContext } from '../../control/context';
import { handleHeartbeat } from '../../control/heartbeat';
import { tick, type TickResult } from '../../control/tick';
import { heartbeatVerifier } from '../../core/heartbeat';
import { systemClock } from '../../lib/clock';
import { memoryLog } from '../../lib/log';
import { hetznerCluster, signer } from './helpers/clusters';
import { startHetzner } from './helpers/hetzner';
import { TestAgent } from './helpers/test-agent';

/**
 * A failover blocked by a backup or snapshot, through the whole control loop: the tick (memory
 * store), the real Hetzner Cloud adapter over HTTP and the emulator's server lock. In production a
 * create_image holds the server for minutes and a floating-IP move has 30 s, so the move fails
 * `conflict`; here the lock is 5 s and the move's deadline 1.5 s (not shorter: on a loaded
 * machine the first reads alone can take 600 ms), lock longer than two moves' deadlines. The
 * control plane must record the failed attempt with its reason and, once the lock is over,
 * retry it (the next reconcile sees the address where it was and repairs it) to a verified move.
 */
const config = hetznerCluster();
const verifier = heartbeatVerifier(config);

let hz: Awaited<ReturnType<typeof startHetzner>>;
let store: MemoryStore;
let ctx: ControlContext;
let agents: Record<string, TestAgent>;

beforeEach(async () => {
  hz = await startHetzner(config.nodes);
  store = new MemoryStore();
  ctx = controlContext({
    config,
    store,
    clock: systemClock,
    log: memoryLog(),
    providers: [hz.provider],
    instance: 'cp-a',
    tuning: { moveDeadlineMs: 3000, maxMoveDeadlineMs: 1500, leaseMs: 5000 },
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
const serverOf: Record<string, number> = { n1: 1, n2: 2, n3: 4 };

describe('control loop and a Hetzner server lock', () => {
  it('the failover meets a snapshot lock: recorded failed (conflict, why), retried after the lock, then verified', async () => {
    await beat('n1', 'n2', 'n3');
    done(await tick(ctx, { trigger: { kind: 'api', at: Date.now(), detail: 'start' } }));
    expect(hz.holderServer()).toBe(1);

    // Both standbys start a backup (create_image): every target is locked for 5 s.
    const lockedUntil = Math.max(hz.emulator.lockServer(2, 5000), hz.emulator.lockServer(4, 5000));
    await sleep(400); // n1 goes silent past deadAfter
    await beat('n2', 'n3');
    const failover = done(await tick(ctx, { trigger: { kind: 'api', at: Date.now(), detail: 'n1 silent' } }));
    expect(failover.failed).toBe(1);
    const attempt = failover.moves[0]!;
    expect(attempt).toMatchObject({
      vip: 'mx',
      from: 'n1',
      reason: 'owner-dead',
      outcome: { ok: false, reason: 'conflict' },
    });
    expect(JSON.stringify(attempt.outcome)).toMatch(
      new RegExp(`server ${serverOf[attempt.to!]} is locked.*backup or snapshot`),
    );
    expect(hz.holderServer()).toBe(1); // nothing moved while locked
    expect(
      hz.emulator.calls.calls.filter((c) => c.action === 'assign_floating_ip').every((c) => c.error === 'locked'),
    ).toBe(true);

    // A reconcile while the lock still holds tries again and fails the same way, and says so.
    await beat('n2', 'n3');
    const stillLocked = done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(stillLocked.repairs).toMatchObject([
      { vip: 'mx', to: attempt.to, reason: 'drift', outcome: { ok: false, reason: 'conflict' } },
    ]);

    await sleep(Math.max(0, lockedUntil - Date.now()) + 50);
    await beat('n2', 'n3');
    const retry = done(
      await tick(ctx, { trigger: { kind: 'schedule', at: Date.now(), detail: 'reconcile' }, repairDrift: true }),
    );
    expect(retry.committed).toBe(false); // the decision stands; only the provider catches up
    expect(retry.repairs).toMatchObject([
      { vip: 'mx', from: 'n1', to: attempt.to, reason: 'drift', outcome: { ok: true, changed: true } },
    ]);
    expect(hz.holderServer()).toBe(serverOf[attempt.to!]);
    expect((await hz.provider.observe([config.vips[0]!])).get('mx')).toEqual({ node: attempt.to });

    // The record tells the story in order: the failed attempt with its reason, then the verified move.
    const moves = (await store.listEvents('mail')).events.filter((e) => e.kind === 'move').reverse();
    expect(moves.map((e) => [e.reason, e.outcome?.ok, e.outcome && !e.outcome.ok ? e.outcome.reason : 'ok'])).toEqual([
      ['claim', true, 'ok'],
      ['owner-dead', false, 'conflict'],
      ['drift', false, 'conflict'],
      ['drift', true, 'ok'],
    ]);
    expect(JSON.stringify(moves[1]!.outcome)).toMatch(/locked.*backup or snapshot/);
  });
});
