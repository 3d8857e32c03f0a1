/**
 * End to end: dynalite + Hetzner Cloud emulator + local control plane over HTTP + signed test
 * heartbeats. Timers: heartbeat 100 ms, deadAfter 300 ms. Each failover prints its figures as a
 * JSON line ("failover …") taken from the move event's timeline.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatVerifier } from '../../core/heartbeat';
import { DynamoDbStore } from '../../adapters/dynamodb-store';
import { handleHeartbeat } from '../../control/heartbeat';
import { startLocalControlPlane } from '../../control/local-server';
import { tick } from '../../control/tick';
import { startDynalite, type LocalDynamo } from './helpers/dynalite';
import { hetznerCluster } from './helpers/clusters';
import { figures, startWorld, type World } from './helpers/world';
import { waitFor } from './helpers/wait';

let dynamo: LocalDynamo;
let world: World | undefined;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const DEAD_AFTER = 300;
const INTERVAL = 100;
/**
 * Slack for timers and HTTP on a busy test machine (other suites run in parallel); the bound
 * itself is deadAfter + one interval. Typical figures are printed, and are far inside it.
 */
const SLACK = 100;

function report(name: string, f: Record<string, unknown>): void {
  console.log(`failover ${JSON.stringify({ case: name, ...f })}`);
}

describe('e2e: failover', () => {
  it('the owner crashes: heartbeats alone move the VIP within deadAfter + one interval (no timer tick)', async () => {
    world = await startWorld(dynamo, { cp: { deadlines: false, tickEveryMs: 3_600_000 } });
    const before = await world.settledOn('n1');
    const changes = world.hz.changes();
    world.agents.n1!.stop();
    const next = await waitFor(
      async () => {
        const a = await world!.owner();
        return a && a.epoch > before.epoch ? a : undefined;
      },
      { timeoutMs: 2000, what: 'mx to leave n1' },
    );
    expect(next).toMatchObject({ node: expect.stringMatching(/^n[23]$/), epoch: before.epoch + 1 });
    const e = await world.moveEvent(next.epoch, 'bound');
    expect(e).toMatchObject({ reason: 'owner-dead', from: 'n1', to: next.node, outcome: { ok: true, changed: true } });
    const f = figures(e);
    report('crash, heartbeat-triggered', f);
    expect(f.detectMs).toBeGreaterThan(DEAD_AFTER);
    expect(f.detectMs).toBeLessThanOrEqual(DEAD_AFTER + INTERVAL + SLACK);
    expect(world.hz.changes() - changes).toBe(1);
    await world.settledOn(next.node!);
  });

  it('the owner crashes: the local deadline timer acts at deadAfter', async () => {
    world = await startWorld(dynamo, { cp: { tickEveryMs: 3_600_000 } });
    const before = await world.settledOn('n1');
    world.agents.n1!.stop();
    const e = await world.moveEvent(before.epoch + 1, 'bound');
    const f = figures(e);
    report('crash, deadline timer', f);
    expect(f.detectMs).toBeGreaterThan(DEAD_AFTER);
    expect(f.detectMs).toBeLessThanOrEqual(DEAD_AFTER + INTERVAL + SLACK);
  });

  it('a failing check moves the VIP at the next heartbeat', async () => {
    world = await startWorld(dynamo);
    const before = await world.settledOn('n1');
    const failedAt = Date.now();
    world.agents.n1!.checks.smtp = { ok: false, detail: 'connection refused' };
    const e = await world.moveEvent(before.epoch + 1, 'bound');
    expect(e).toMatchObject({ reason: 'owner-unhealthy', from: 'n1' });
    // The next heartbeat carries it: sealed at most one interval after the flip (two if one was still in flight).
    expect(e.timeline!.detected! - failedAt).toBeLessThanOrEqual(2 * INTERVAL + SLACK);
    report('failing check', { ...figures(e), detectMs: e.timeline!.detected! - failedAt });
  });

  it('a leaving heartbeat moves the VIP at once', async () => {
    world = await startWorld(dynamo);
    const before = await world.settledOn('n1');
    const n1 = world.agents.n1!;
    n1.stop();
    const sentAt = Date.now();
    expect((await n1.beat({ leaving: true })).status).toBe(200);
    const e = await world.moveEvent(before.epoch + 1);
    expect(e).toMatchObject({ reason: 'owner-leaving', from: 'n1' });
    expect(e.timeline!.detected! - sentAt).toBeLessThan(SLACK);
    report('leaving', { ...figures(e), detectMs: e.timeline!.detected! - sentAt });
  });

  it('the preferred node returns: the VIP goes home after preemptDelay, not before', async () => {
    world = await startWorld(dynamo);
    const first = await world.settledOn('n1');
    world.agents.n1!.stop();
    const away = await waitFor(
      async () => {
        const a = await world!.owner();
        return a && a.epoch > first.epoch ? a : undefined;
      },
      { what: 'mx to leave n1' },
    );
    await world.settledOn(away.node!);
    const back = Date.now();
    world.agents.n1!.restart().start(INTERVAL);
    const home = await world.settledOn('n1', 4000);
    const e = await world.moveEvent(home.epoch);
    expect(e).toMatchObject({ reason: 'preempt', from: away.node, to: 'n1' });
    expect(e.timeline!.decided! - back).toBeGreaterThanOrEqual(world.config.timers.preemptDelay);
    expect(e.timeline!.decided! - back).toBeLessThanOrEqual(world.config.timers.preemptDelay + 2 * INTERVAL + SLACK);
  });

  it('the emulator throttles during a failover: it still converges within the move deadline', async () => {
    world = await startWorld(dynamo, { cp: { deadlines: false } });
    const before = await world.settledOn('n1');
    await fetch(`${world.hz.emulator.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'throttle', count: 3, action: 'assign_floating_ip' }),
    });
    world.agents.n1!.stop();
    // Each 429 asks for a pause of at least a second (Hetzner's RateLimit-* headers): about 3 s in all.
    const e = await world.moveEvent(before.epoch + 1, 'verified', 8000);
    expect(e).toMatchObject({ reason: 'owner-dead', outcome: { ok: true, changed: true } });
    const refused = world.hz.emulator.calls.calls.filter((c) => c.action === 'assign_floating_ip' && c.status === 429);
    expect(refused).toHaveLength(3);
    const f = figures(e);
    report('crash with 3 throttled assigns', f);
    expect(f.detectMs).toBeLessThanOrEqual(DEAD_AFTER + INTERVAL + SLACK);
    expect(f.verifiedMs).toBeLessThan(DEAD_AFTER + INTERVAL + world.cp.ctx.tuning.moveDeadlineMs);
    await world.settledOn(e.to!);
  });
});

describe('e2e: races and drift', () => {
  it('two control planes tick at once: one commit and one set of provider calls', async () => {
    world = await startWorld(dynamo, { cp: { deadlines: false, tickEveryMs: 3_600_000, instance: 'cp-a' } });
    const w = world;
    const before = await w.settledOn('n1');
    const other = await startLocalControlPlane({
      config: w.config,
      log: w.log,
      store: w.store,
      providers: [w.hz.provider],
      listen: '127.0.0.1:0',
      instance: 'cp-b',
      deadlines: false,
      tickEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
    });
    try {
      for (const a of Object.values(w.agents)) a.stop();
      await new Promise((r) => setTimeout(r, DEAD_AFTER + 50));
      // n2 and n3 are heard (without starting a tick), n1 is not: a failover is due.
      const verifier = heartbeatVerifier(w.config);
      for (const n of ['n2', 'n3'])
        expect((await handleHeartbeat(w.cp.ctx, verifier, w.agents[n]!.seal())).status).toBe(200);
      const changes = w.hz.changes();

      const withLease = await Promise.all([w.cp.tickNow(), other.tickNow()]);
      expect(withLease.map((r) => r.status).sort()).toEqual(['busy', 'done']);
      expect(withLease.find((r) => r.status === 'done')).toMatchObject({
        committed: true,
        moves: [{ reason: 'owner-dead', outcome: { ok: true, changed: true } }],
      });
      expect(w.hz.changes() - changes).toBe(1);
      expect(await w.owner()).toMatchObject({ epoch: before.epoch + 1 });
    } finally {
      await other.close();
    }
  });

  it('two ticks at once without the lease: the CAS lets one commit; the loser reloads and calls no provider', async () => {
    world = await startWorld(dynamo, { cp: { deadlines: false, tickEveryMs: 3_600_000 } });
    const w = world;
    const before = await w.settledOn('n1');
    for (const a of Object.values(w.agents)) a.stop();
    await new Promise((r) => setTimeout(r, DEAD_AFTER + 50));
    const verifier = heartbeatVerifier(w.config);
    for (const n of ['n2', 'n3'])
      expect((await handleHeartbeat(w.cp.ctx, verifier, w.agents[n]!.seal())).status).toBe(200);
    const changes = w.hz.changes();
    const version = (await w.store.loadGroup('mail')).version;

    const a = { ...w.cp.ctx, instance: 'cp-a' };
    const b = { ...w.cp.ctx, instance: 'cp-b', store: new DynamoDbStore({ client: dynamo.client, table: w.table }) };
    const trigger = { kind: 'api' as const, at: Date.now(), detail: 'race' };
    const results = await Promise.all([tick(a, { trigger, lease: false }), tick(b, { trigger, lease: false })]);
    const done = results.map((r) => (r.status === 'done' ? r : undefined));
    expect(done.map((r) => r?.committed).sort()).toEqual([false, true]);
    const loser = done.find((r) => r && !r.committed)!;
    expect(loser).toMatchObject({ conflicts: 1, moves: [], repairs: [] });
    expect(w.hz.changes() - changes).toBe(1);
    expect((await w.store.loadGroup('mail')).version).toBe(version + 1);
    expect(await w.owner()).toMatchObject({ epoch: before.epoch + 1 });
  });

  it('someone moves the address by hand: the next reconcile repairs it with reason drift', async () => {
    world = await startWorld(dynamo, { cp: { reconcileEveryMs: 400 } });
    await world.settledOn('n1');
    const res = await fetch(`${world.hz.emulator.url}/__admin/move-floating-ip`, {
      method: 'POST',
      body: JSON.stringify({ floatingIp: 100, server: 2 }),
    });
    expect(res.status).toBe(200);
    const movedAt = Date.now();
    const e = await waitFor(
      async () => (await world!.store.listEvents('mail')).events.find((x) => x.reason === 'drift' && x.outcome),
      { timeoutMs: 2000, what: 'a drift repair' },
    );
    expect(e).toMatchObject({ kind: 'move', vip: 'mx', from: 'n2', to: 'n1', outcome: { ok: true, changed: true } });
    expect(e.at - movedAt).toBeLessThanOrEqual(400 + SLACK);
    expect(world.hz.holderServer()).toBe(1);
  });
});

describe('e2e: config', () => {
  it('uses the short timers the suite is written for', () => {
    expect(hetznerCluster().timers).toMatchObject({ heartbeatInterval: INTERVAL, deadAfter: DEAD_AFTER });
  });
});
