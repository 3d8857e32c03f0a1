import { afterEach, describe, expect, it } from 'vitest';
import { ec2World, IDS, type Ec2World } from './fixtures';

let w: Ec2World;
afterEach(async () => w?.close());

const assigns = () => w.emu.calls.count({ action: 'AssignPrivateIpAddresses' });

describe('aws-secondary-ip (IPv4) through the EC2 emulator', () => {
  it('assigns to the target, verifies, and counts every call; a repeat makes no mutating call', async () => {
    w = await ec2World();
    const first = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    expect(first).toMatchObject({ ok: true, changed: true, calls: 3 }); // describe, assign, describe
    expect(w.emu.holderOfPrivateIp('10.0.1.100')).toBe(IDS.eniA);
    expect(w.emu.calls.calls.length).toBe(3);

    const again = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    expect(again).toMatchObject({ ok: true, changed: false, calls: 1 });
    expect(assigns()).toBe(1);
  });

  it('moves between interfaces of one subnet with AllowReassignment, and observe follows', async () => {
    w = await ec2World();
    await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    const r = await w.provider.move(w.vip('sec4'), w.node('b'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(w.emu.holderOfPrivateIp('10.0.1.100')).toBe(IDS.eniB);
    expect((await w.provider.observe([w.vip('sec4')])).get('sec4')).toEqual({ node: 'b' });
  });

  it('refuses a node in another subnet as invalid before any call, leaving the state alone', async () => {
    w = await ec2World();
    await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    const before = w.emu.calls.calls.length;
    const r = await w.provider.move(w.vip('sec4'), w.node('c'), w.ctx());
    expect(r).toMatchObject({ ok: false, reason: 'invalid', calls: 0 });
    expect(r.ok === false && r.message).toMatch(/outside node c's subnet 10\.0\.2\.0\/24/);
    expect(w.emu.calls.calls.length).toBe(before);
    expect(w.emu.holderOfPrivateIp('10.0.1.100')).toBe(IDS.eniA);
  });

  it('reports an address held by an interface outside the config as foreign', async () => {
    w = await ec2World();
    await w.admin('/__admin/act', {
      action: 'AssignPrivateIpAddresses',
      params: { NetworkInterfaceId: IDS.eniA, 'PrivateIpAddress.1': '10.0.1.100' },
    });
    expect((await w.provider.observe([w.vip('sec4')])).get('sec4')).toEqual({ node: 'a' });
    const stranger = new (await import('../../../../adapters/aws/ec2')).Ec2Provider({
      nodes: [],
      endpoint: w.emu.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    expect((await stranger.observe([w.vip('sec4')])).get('sec4')).toEqual({ node: null, foreign: IDS.eniA });
    stranger.close();
  });

  it('waits out read-after-write lag without a second mutating call', async () => {
    w = await ec2World({ settings: { consistencyLagMs: 300 } });
    const started = Date.now();
    const r = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(r.calls).toBeGreaterThan(3); // the read-back polled until the lag had passed
    const again = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    expect(again).toMatchObject({ ok: true, changed: false });
    expect(assigns()).toBe(1);
  });

  it('backs off when throttled, succeeds within the deadline and counts the refused calls too', async () => {
    w = await ec2World();
    await w.admin('/__admin/faults', { kind: 'throttle', count: 2, action: 'AssignPrivateIpAddresses' });
    const r = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true, calls: 5 });
    expect(w.emu.calls.calls.length).toBe(5);
    expect(assigns()).toBe(3);
    expect(w.provider.recentThrottles()).toBe(2);
    expect(w.provider.budget()).toMatchObject({ remaining: 0, limit: null });
  });

  it('gives up at the deadline when throttling does not stop, as throttled', async () => {
    w = await ec2World();
    await w.admin('/__admin/faults', { kind: 'throttle', count: 1000, action: 'AssignPrivateIpAddresses' });
    const started = Date.now();
    const r = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx(800));
    expect(r).toMatchObject({ ok: false, reason: 'throttled' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.calls).toBe(w.emu.calls.calls.length);
  });

  it('retries a call that hangs past the request timeout', async () => {
    w = await ec2World();
    await w.admin('/__admin/faults', { kind: 'hang', count: 1, action: 'DescribeNetworkInterfaces', ms: 5000 });
    const r = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx(4000));
    expect(r).toMatchObject({ ok: true, changed: true, calls: 4 });
  });

  it('does not retry a refusal: unauthorized is forbidden after one attempt', async () => {
    w = await ec2World();
    await w.admin('/__admin/deny', { action: 'AssignPrivateIpAddresses' });
    const r = await w.provider.move(w.vip('sec4'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: false, reason: 'forbidden', calls: 2 });
    expect(r.ok === false && r.message).toMatch(/UnauthorizedOperation/);
  });

  it('serialises two concurrent moves of one VIP: one holder at the end, and observe agrees', async () => {
    w = await ec2World({ settings: { consistencyLagMs: 100 } });
    const [ra, rb] = await Promise.all([
      w.provider.move(w.vip('sec4'), w.node('a'), w.ctx()),
      w.provider.move(w.vip('sec4'), w.node('b'), w.ctx()),
    ]);
    expect(ra.ok && rb.ok).toBe(true);
    expect(w.emu.holderOfPrivateIp('10.0.1.100')).toBe(IDS.eniB);
    expect((await w.provider.observe([w.vip('sec4')])).get('sec4')).toEqual({ node: 'b' });
    expect(w.emu.violationLog).toEqual([]);
  });
});
