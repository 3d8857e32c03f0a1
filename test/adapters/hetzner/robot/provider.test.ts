import { afterEach, describe, expect, it } from 'vitest';
import { HetznerRobotClient, HetznerRobotProvider } from '../../../../adapters/hetzner/robot';
import type { MoveResult } from '../../../../core/ports';
import { robotWorld, type RobotWorld } from '../../../contract/hetzner-robot-world';

/** What the contract does not cover: the switch budget, FAILOVER_ALREADY_ROUTED, IPv6 nets, locks, batching. */
let world: RobotWorld | undefined;

afterEach(async () => {
  await world?.emu.close();
  world = undefined;
});

async function setup(opts: Parameters<typeof robotWorld>[0] = {}): Promise<RobotWorld> {
  world = await robotWorld(opts);
  return world;
}

const ctx = (ms = 10_000) => ({ epoch: 1, deadline: Date.now() + ms });

function failure(r: MoveResult) {
  if (r.ok) throw new Error(`expected a failure, got ok (changed ${r.changed})`);
  return r;
}

describe('HetznerRobotProvider', () => {
  it('shows the switch budget before acting and spends one switch per move', async () => {
    const w = await setup();
    expect(w.provider.budget()).toMatchObject({ limit: 50, remaining: 50, resetAt: null });
    expect(await w.provider.move(w.vip('vip-db'), w.node('db2'), ctx())).toMatchObject({ ok: true, changed: true });
    expect(await w.provider.move(w.vip('vip-db'), w.node('db2'), ctx())).toMatchObject({ ok: true, changed: false });
    expect(w.provider.budget()).toMatchObject({ limit: 50, remaining: 49 });
    expect(w.provider.budget().resetAt).toBeGreaterThan(Date.now());
  });

  it('with no switches left, a move is throttled at once without a single call', async () => {
    const w = await setup({ switchesPerHour: 2 });
    for (const to of ['db2', 'db3'])
      expect(await w.provider.move(w.vip('vip-db'), w.node(to), ctx())).toMatchObject({ ok: true });
    const before = await w.admin.calls();
    const r = failure(await w.provider.move(w.vip('vip-db'), w.node('db1'), ctx()));
    expect(r).toMatchObject({ reason: 'throttled', calls: 0 });
    expect(r.message).toMatch(/no failover switches left/);
    expect(await w.admin.calls()).toEqual(before);
    expect(await w.holder('198.18.8.1')).toBe('db3');
  });

  it('believes Robot when it says the account is out of switches, and then stops calling', async () => {
    const w = await setup();
    await fetch(`${w.emu.url}/__admin/exhaust-rate-limit`, { method: 'POST', body: '{}' });
    const first = failure(await w.provider.move(w.vip('vip-db'), w.node('db2'), ctx(3000)));
    expect(first.reason).toBe('throttled');
    expect(first.calls).toBe(2); // the read, then the refused switch: its 72 s hint is past the deadline
    expect(w.provider.budget().remaining).toBe(0);
    const second = failure(await w.provider.move(w.vip('vip-db'), w.node('db2'), ctx(3000)));
    expect(second).toMatchObject({ reason: 'throttled', calls: 0 });
  });

  it('takes FAILOVER_ALREADY_ROUTED as done, then reads back until the route shows', async () => {
    const w = await setup();
    await w.admin.settings({ consistencyLagMs: 300 });
    w.emu.routeByHand('198.18.8.1', '198.18.3.2'); // reads keep showing db1 for 300 ms
    const r = await w.provider.move(w.vip('vip-db'), w.node('db2'), ctx());
    expect(r).toMatchObject({ ok: true, changed: false });
    expect(await w.admin.calls()).toMatchObject({ changes: 1 });
    expect((await w.provider.observe([w.vip('vip-db')])).get('vip-db')).toEqual({ node: 'db2' });
  });

  it("moves an IPv6 failover net to a node's IPv6 net, and calls a route outside the config foreign", async () => {
    const w = await setup();
    expect((await w.provider.observe([w.vip('vip-db6')])).get('vip-db6')).toEqual({
      node: null,
      foreign: 'server 2001:db8:3:2::',
    });
    expect(await w.provider.move(w.vip('vip-db6'), w.node('db3v6'), ctx())).toMatchObject({ ok: true, changed: true });
    expect(await w.holder('2001:db8:f0::')).toBe('db3v6');
    const wrongFamily = failure(await w.provider.move(w.vip('vip-db6'), w.node('db1'), ctx()));
    expect(wrongFamily).toMatchObject({ reason: 'invalid', calls: 0 });
  });

  it('observes several failover IPs with one list call; one missing from the account is not-found', async () => {
    const w = await setup();
    const before = (await w.admin.calls()).api;
    const seen = await w.provider.observe([w.vip('vip-db'), w.vip('vip-db6')]);
    expect(seen.get('vip-db')).toEqual({ node: 'db1' });
    expect((await w.admin.calls()).api - before).toBe(1);
    await expect(w.provider.observe([w.vip('vip-db'), w.vip('vip-gone')])).rejects.toMatchObject({
      reason: 'not-found',
    });
  });

  it('a route still locked at the deadline is a conflict', async () => {
    const w = await setup({ seed: { routingMs: 5000 } });
    await w.client.routeFailover('198.18.8.1', '198.18.3.3'); // routing for 5 s: FAILOVER_LOCKED meanwhile
    const r = failure(await w.provider.move(w.vip('vip-db'), w.node('db2'), ctx(800)));
    expect(r.reason).toBe('conflict');
    expect(r.message).toMatch(/FAILOVER_LOCKED/);
  });

  it('two movers racing: a switch that finished between our read and our POST is not called a conflict while ours routes', async () => {
    const w = await setup({ seed: { routingMs: 300 } });
    // Another mover's switch to db2 lands after our read of db1 and before our POST to db3 is answered.
    let raced = false;
    const fetchRacing: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && !raced) {
        raced = true;
        w.emu.routeByHand('198.18.8.1', '198.18.3.2');
        await new Promise((r) => setTimeout(r, 5)); // its lock (0 ms by hand) is over when ours arrives
      }
      return fetch(input, init);
    };
    const client = new HetznerRobotClient({
      user: 'robot-user',
      password: 'robot-pass',
      baseUrl: w.emu.url,
      fetch: fetchRacing,
      switchesPerHour: 50,
    });
    const provider = new HetznerRobotProvider({ client, nodes: w.config.nodes, verifyPollMs: 20, routingMaxMs: 300 });
    const r = await provider.move(w.vip('vip-db'), w.node('db3'), ctx());
    // Before the fix: read db1, switched, then read db2 (ours still routing) and gave up as a conflict.
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(raced).toBe(true);
    expect(await w.holder('198.18.8.1')).toBe('db3');
    expect((await provider.observe([w.vip('vip-db')])).get('vip-db')).toEqual({ node: 'db3' });
  });

  it('a route changed by someone else after ours had time to route is a conflict', async () => {
    const w = await setup();
    await w.admin.settings({ consistencyLagMs: 400 }); // reads show db1 while our switch lands, then db2 (a hand move after it)
    const moved = w.provider.move(w.vip('vip-db'), w.node('db3'), ctx());
    await new Promise((r) => setTimeout(r, 150)); // ours (50 ms routing) is done, still invisible under the lag
    w.emu.routeByHand('198.18.8.1', '198.18.3.2');
    await w.admin.settings({ consistencyLagMs: 0 });
    const r = failure(await moved);
    expect(r.reason).toBe('conflict');
    expect(r.message).toMatch(/db2, by someone else/);
  });

  it('refuses a node without a robotServerIp without a call', async () => {
    const w = await setup();
    const r = failure(await w.provider.move(w.vip('vip-db'), { id: 'x', addresses: [] }, ctx()));
    expect(r).toMatchObject({ reason: 'invalid', calls: 0 });
    expect(r.message).toMatch(/robotServerIp/);
  });
});
