import { afterEach, describe, expect, it } from 'vitest';
import type { MoveResult } from '../../../../core/ports';
import {
  aliasesOf,
  aliasHolder,
  cloudSeed,
  cloudWorld,
  floatingHolder,
  type CloudWorld,
} from '../../../contract/hetzner-cloud-world';

/** What the contract does not cover: alias-list hygiene, put-back, failed actions, drift, batching, budget, bad input. */
let world: CloudWorld | undefined;

afterEach(async () => {
  await world?.emu.close();
  world = undefined;
});

async function setup(seed = cloudSeed()): Promise<CloudWorld> {
  world = await cloudWorld(seed);
  return world;
}

const ctx = (ms = 15_000) => ({ epoch: 1, deadline: Date.now() + ms });

function failure(r: MoveResult) {
  if (r.ok) throw new Error(`expected a failure, got ok (changed ${r.changed})`);
  return r;
}

describe('HetznerCloudProvider: alias IPs', () => {
  it('keeps every other alias on both servers and reports the gap between removal and addition', async () => {
    const w = await setup();
    const r = await w.provider.move(w.vip('vip-alias'), w.node('mx2'), ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    if (!r.ok) return;
    expect(r.gapMs).toBeGreaterThanOrEqual(0);
    expect(r.gapMs).toBeLessThan(5000);
    expect(await aliasesOf(w, 1)).toEqual(['10.0.1.60']);
    expect((await aliasesOf(w, 2)).sort()).toEqual(['10.0.1.50', '10.0.1.70']);
  });

  it('an address nobody holds is added without a removal, and no gap is reported', async () => {
    const w = await setup();
    const r = await w.provider.move(w.vip('vip-alias-2'), w.node('mx3'), ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.ok && r.gapMs).toBeUndefined();
    expect(await w.admin.calls()).toMatchObject({ changes: 1 });
    expect(await aliasHolder(w, 10, '10.0.1.51')).toBe('mx3');
  });

  it('two VIPs moving onto one server at once both land: writes to one alias list never drop each other', async () => {
    const seed = cloudSeed();
    seed.servers![0]!.privateNets![0]!.aliasIps = ['10.0.1.50', '10.0.1.51', '10.0.1.60'];
    const w = await setup(seed);
    const [a, b] = await Promise.all([
      w.provider.move(w.vip('vip-alias'), w.node('mx3'), ctx()),
      w.provider.move(w.vip('vip-alias-2'), w.node('mx3'), ctx()),
    ]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect((await aliasesOf(w, 4)).sort()).toEqual(['10.0.1.50', '10.0.1.51']);
    expect(await aliasesOf(w, 1)).toEqual(['10.0.1.60']);
    expect(await w.admin.invariants()).toMatchObject({ ok: true });
  });

  it('puts the address back on its old server when the add is refused after the removal', async () => {
    const seed = cloudSeed();
    const mx2 = seed.servers!.find((s) => s.id === 2)!;
    mx2.aliasLimit = 1; // mx2 already carries 10.0.1.70: one more is refused as invalid_input
    const w = await setup(seed);
    const r = failure(await w.provider.move(w.vip('vip-alias'), w.node('mx2'), ctx()));
    expect(r.reason).toBe('invalid');
    expect(r.message).toMatch(/at most 1 alias/);
    expect(await aliasHolder(w, 10, '10.0.1.50')).toBe('mx1');
    expect((await aliasesOf(w, 1)).sort()).toEqual(['10.0.1.50', '10.0.1.60']);
  });

  it('a target on another network is refused before anything is removed', async () => {
    const w = await setup();
    const r = failure(await w.provider.move(w.vip('vip-alias'), w.node('us1'), ctx()));
    expect(r).toMatchObject({ reason: 'invalid' });
    expect(r.message).toMatch(/not attached to network 10/);
    expect(await w.admin.calls()).toMatchObject({ changes: 0 });
  });

  it('observe names a server outside the config as foreign', async () => {
    const seed = cloudSeed();
    seed.servers!.push({
      id: 9,
      name: 'stranger',
      location: 'fsn1',
      privateNets: [{ network: 10, ip: '10.0.1.9', aliasIps: ['10.0.1.51'] }],
    });
    const w = await setup(seed);
    const seen = await w.provider.observe([w.vip('vip-alias'), w.vip('vip-alias-2')]);
    expect(seen.get('vip-alias')).toEqual({ node: 'mx1' });
    expect(seen.get('vip-alias-2')).toEqual({ node: null, foreign: 'server 9' });
  });
});

describe('HetznerCloudProvider: floating IPs', () => {
  it('retries an action that ends in error, and the failed action leaves no trace', async () => {
    const w = await setup();
    await fetch(`${w.emu.url}/__admin/fail-actions`, {
      method: 'POST',
      body: JSON.stringify({ command: 'assign_floating_ip', count: 1 }),
    });
    const r = await w.provider.move(w.vip('vip-mail'), w.node('mx2'), ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(await w.admin.calls()).toMatchObject({ changes: 2 });
    expect(await floatingHolder(w, 100)).toBe('mx2');
  });

  it('an action that always ends in error is transient by the deadline', async () => {
    const w = await setup();
    await fetch(`${w.emu.url}/__admin/fail-actions`, {
      method: 'POST',
      body: JSON.stringify({ command: 'assign_floating_ip', count: 1000, code: 'routing_failed' }),
    });
    const r = failure(await w.provider.move(w.vip('vip-mail'), w.node('mx2'), ctx(1500)));
    expect(r.reason).toBe('transient');
    expect(r.message).toMatch(/routing_failed/);
    expect(await floatingHolder(w, 100)).toBe('mx1');
  });

  it('a floating IP moved by hand elsewhere is moved back (drift), and observe saw the drift', async () => {
    const w = await setup();
    w.emu.moveFloatingIp(100, 4);
    expect((await w.provider.observe([w.vip('vip-mail')])).get('vip-mail')).toEqual({ node: 'mx3' });
    const r = await w.provider.move(w.vip('vip-mail'), w.node('mx1'), ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(await floatingHolder(w, 100)).toBe('mx1');
  });

  it('observes several floating IPs with one list call, and an unassigned one as held by nobody', async () => {
    const w = await setup();
    w.emu.moveFloatingIp(103, null);
    const before = (await w.admin.calls()).api;
    const seen = await w.provider.observe([w.vip('vip-mail'), w.vip('vip-by-address')]);
    expect(seen.get('vip-mail')).toEqual({ node: 'mx1' });
    expect(seen.get('vip-by-address')).toEqual({ node: null });
    expect((await w.admin.calls()).api - before).toBe(1);
  });

  it('finds a floating IP by address once, then by its id', async () => {
    const w = await setup();
    await w.provider.move(w.vip('vip-by-address'), w.node('mx1'), ctx());
    await w.provider.move(w.vip('vip-by-address'), w.node('mx2'), ctx());
    expect(w.client.calls.get('list_floating_ips')).toBe(1);
    expect(await floatingHolder(w, 103)).toBe('mx2');
  });

  it("refuses a configured id whose address is not the VIP's, before acting", async () => {
    const w = await setup();
    const wrong = { ...w.vip('vip-mail'), hetzner: { floatingIpId: 102 } };
    const r = failure(await w.provider.move(wrong, w.node('mx2'), ctx()));
    expect(r).toMatchObject({ reason: 'invalid', calls: 1 });
    expect(r.message).toMatch(/198\.18\.9\.2.*198\.18\.9\.1/);
  });

  it('refuses a node without a server id, and a kind it does not serve, without a call', async () => {
    const w = await setup();
    const bare = { id: 'x', addresses: [] };
    expect(await w.provider.move(w.vip('vip-mail'), bare, ctx())).toMatchObject({
      ok: false,
      reason: 'invalid',
      calls: 0,
    });
    const lan = { ...w.vip('vip-mail'), kind: 'lan' as const };
    expect(await w.provider.move(lan, w.node('mx2'), ctx())).toMatchObject({ ok: false, reason: 'invalid', calls: 0 });
    await expect(w.provider.observe([lan])).rejects.toMatchObject({ reason: 'invalid' });
  });

  it('a floating IP locked past the deadline is a conflict', async () => {
    const w = await setup(cloudSeed({ actionDurationMs: 5000 }));
    await w.client.assignFloatingIp(100, 4); // runs for 5 s, locking the floating IP
    const r = failure(await w.provider.move(w.vip('vip-mail'), w.node('mx2'), ctx(800)));
    expect(r.reason).toBe('conflict');
    expect(r.message).toMatch(/locked/);
  });

  it('reports the project budget from the RateLimit headers', async () => {
    const w = await setup();
    expect(w.provider.budget()).toEqual({ remaining: null, limit: null, resetAt: null });
    await w.provider.observe([w.vip('vip-mail')]);
    expect(w.provider.budget()).toMatchObject({ limit: 3600, remaining: 3599 });
  });

  it('a drained project budget makes the move throttled by its deadline', async () => {
    const w = await setup();
    await fetch(`${w.emu.url}/__admin/drain-rate-limit`, { method: 'POST', body: '{}' });
    const r = failure(await w.provider.move(w.vip('vip-mail'), w.node('mx2'), ctx(500)));
    expect(r.reason).toBe('throttled');
    expect(w.provider.budget().remaining).toBe(0);
  });
});
