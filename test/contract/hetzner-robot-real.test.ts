import { afterEach, describe, expect, it } from 'vitest';
import { HetznerRobotClient, HetznerRobotProvider } from '../../adapters/hetzner/robot';
import type { Clock } from '../../core/clock';
import { scaledClock } from '../../sim/common/profile';
import { HetznerRobotEmulator, demoRobotSeed, REAL_ROUTING_MS } from '../../sim/hetzner-robot';
import { robotConfig } from './hetzner-robot-world';

/**
 * The Robot adapter against the emulator's REAL profile: a switch's POST blocks for 50 s, reads are
 * limited to 100 an hour, FAILOVER_NOT_COMPLETE happens. Time runs 50 times faster (one clock for
 * emulator, client and move), so a 50 s switch takes a wall second and the rules stay the same.
 */
const SCALE = 50;
let emu: HetznerRobotEmulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function realWorld(): Promise<{
  emu: HetznerRobotEmulator;
  clock: Clock;
  provider: HetznerRobotProvider;
  client: HetznerRobotClient;
}> {
  const clock = scaledClock(SCALE);
  emu = new HetznerRobotEmulator(demoRobotSeed(), {}, Date.now, { profile: 'real', clock });
  await emu.start();
  const client = new HetznerRobotClient({ user: 'robot-user', password: 'robot-pass', baseUrl: emu.url, clock });
  const provider = new HetznerRobotProvider({ client, nodes: robotConfig().nodes });
  return { emu, clock, provider, client };
}

const vip = () => robotConfig().vips.find((v) => v.name === 'vip-db')!;
const node = (id: string) => robotConfig().nodes.find((n) => n.id === id)!;

describe('Hetzner Robot, real profile (time x50)', () => {
  it('a switch blocks for the routing time and is verified inside its own deadline: one POST, no FAILOVER_LOCKED', async () => {
    const w = await realWorld();
    const deadlineMs = w.provider.moveDeadlineMs('hetzner-robot-failover-ip');
    expect(deadlineMs).toBeGreaterThan(60_000); // the longest documented switch fits
    const started = w.clock.now();
    const r = await w.provider.move(vip(), node('db2'), { epoch: 1, deadline: started + deadlineMs, clock: w.clock });
    const took = w.clock.now() - started;
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(took).toBeGreaterThanOrEqual(REAL_ROUTING_MS);
    // Wall-clock overheads are multiplied by the scale here, so the bound is on the calls: one read
    // before, the blocking POST, one read back that already shows the route.
    expect(took).toBeLessThan(deadlineMs);
    expect(w.emu.calls.calls.filter((c) => c.action === 'get_failover')).toHaveLength(2);
    const posts = w.emu.calls.calls.filter((c) => c.action === 'route_failover');
    expect(posts.map((c) => [c.status, c.error ?? null])).toEqual([[200, null]]);
    expect(w.emu.snapshot()).toMatchObject({
      failovers: [{ ip: '198.18.8.1', activeServerIp: '198.18.3.2', locked: false }, {}],
    });
  });

  it('FAILOVER_NOT_COMPLETE is followed by reads, never by a second switch', async () => {
    const w = await realWorld();
    w.emu.incompleteSwitches = 1;
    const started = w.clock.now();
    const r = await w.provider.move(vip(), node('db3'), {
      epoch: 1,
      deadline: started + w.provider.moveDeadlineMs('hetzner-robot-failover-ip'),
      clock: w.clock,
    });
    expect(r).toMatchObject({ ok: true, changed: true });
    const posts = w.emu.calls.calls.filter((c) => c.action === 'route_failover');
    expect(posts.map((c) => c.error)).toEqual(['FAILOVER_NOT_COMPLETE']);
    const reads = w.emu.calls.calls.filter((c) => c.action === 'get_failover').length;
    expect(reads).toBeGreaterThan(1);
    expect(reads).toBeLessThan(20); // paced: a share of the 100 an hour, not a storm
    expect(w.clock.now() - started).toBeGreaterThanOrEqual(2 * REAL_ROUTING_MS);
  });

  it('limits failover reads to 100 an hour with RATE_LIMIT_EXCEEDED, and the adapter reports it throttled', async () => {
    const w = await realWorld();
    for (let i = 0; i < 100; i++) await w.client.getFailover('198.18.8.1');
    await expect(w.client.getFailover('198.18.8.1')).rejects.toMatchObject({
      reason: 'throttled',
      details: { code: 'RATE_LIMIT_EXCEEDED', status: 403 },
    });
    expect(w.emu.reads?.remaining).toBe(0);
  });

  it('an unknown destination is FAILOVER_NEW_SERVER_NOT_FOUND, answered at once', async () => {
    const w = await realWorld();
    await expect(w.client.routeFailover('198.18.8.1', '198.18.7.7')).rejects.toMatchObject({
      reason: 'not-found',
      details: { code: 'FAILOVER_NEW_SERVER_NOT_FOUND' },
    });
  });
});
