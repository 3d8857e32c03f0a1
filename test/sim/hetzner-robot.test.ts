import { afterEach, describe, expect, it } from 'vitest';
import { HetznerRobotEmulator, demoRobotSeed, type RobotSeed } from '../../sim/hetzner-robot';

// Answers are read field by field and checked by the assertions themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const BASIC = `Basic ${Buffer.from('robot-user:robot-pass').toString('base64')}`;
let emu: HetznerRobotEmulator | undefined;

async function start(seed: RobotSeed = demoRobotSeed(), settings = {}) {
  const clock = { t: 1_750_000_000_000 };
  emu = new HetznerRobotEmulator(seed, settings, () => clock.t);
  await emu.start();
  const call = async (method: string, path: string, form?: Record<string, string>, auth = BASIC) => {
    const headers: Record<string, string> = { authorization: auth };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${emu!.url}${path}`, {
      method,
      headers,
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { emu, clock, call };
}

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('HetznerRobotEmulator', () => {
  it('checks HTTP Basic credentials', async () => {
    const { call } = await start();
    const res = await call(
      'GET',
      '/failover',
      undefined,
      `Basic ${Buffer.from('robot-user:wrong').toString('base64')}`,
    );
    expect(res).toEqual({
      status: 401,
      body: { error: { status: 401, code: 'UNAUTHORIZED', message: 'Unauthorized' } },
    });
  });

  it("lists and gets failover IPs in Robot's shape", async () => {
    const { call } = await start();
    const list = await call('GET', '/failover');
    expect(list.body).toHaveLength(2);
    expect(list.body[0]).toEqual({
      failover: {
        ip: '198.18.8.1',
        netmask: '255.255.255.255',
        server_ip: '198.18.3.1',
        server_ipv6_net: '2001:db8:3:1::',
        server_number: 321,
        active_server_ip: '198.18.3.1',
      },
    });
    expect((await call('GET', '/failover/2001:db8:f0::')).body.failover.active_server_ip).toBe('2001:db8:3:2::');
    expect((await call('GET', '/failover/198.18.8.99')).body.error.code).toBe('NOT_FOUND');
  });

  it("answers an empty account's list with 404 NOT_FOUND, as Robot does", async () => {
    const { call } = await start({ servers: [{ number: 1, ip: '198.18.3.9' }], failoverIps: [] });
    expect((await call('GET', '/failover')).status).toBe(404);
  });

  it('routes with a form body, locks while routing, shows the new target once routed', async () => {
    const { call, clock } = await start();
    const routed = await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' });
    expect(routed.status).toBe(200);
    expect(routed.body.failover.active_server_ip).toBe('198.18.3.2');
    expect((await call('GET', '/failover/198.18.8.1')).body.failover.active_server_ip).toBe('198.18.3.1');
    const locked = await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.3' });
    expect([locked.status, locked.body.error.code]).toEqual([409, 'FAILOVER_LOCKED']);
    clock.t += 1000;
    expect((await call('GET', '/failover/198.18.8.1')).body.failover.active_server_ip).toBe('198.18.3.2');
    const again = await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' });
    expect([again.status, again.body.error.code]).toEqual([409, 'FAILOVER_ALREADY_ROUTED']);
  });

  it('unroutes with DELETE, and a second DELETE is FAILOVER_ALREADY_ROUTED', async () => {
    const { call, clock } = await start();
    expect((await call('DELETE', '/failover/198.18.8.1')).body.failover.active_server_ip).toBeNull();
    clock.t += 1000;
    expect((await call('DELETE', '/failover/198.18.8.1')).body.error.code).toBe('FAILOVER_ALREADY_ROUTED');
  });

  it('validates the target: missing, wrong family, not a server of the account', async () => {
    const { call } = await start();
    const missing = await call('POST', '/failover/198.18.8.1', {});
    expect(missing.body.error).toMatchObject({ status: 400, code: 'INVALID_INPUT', missing: ['active_server_ip'] });
    expect((await call('POST', '/failover/198.18.8.1', { active_server_ip: '2001:db8:3:2::' })).body.error.code).toBe(
      'INVALID_INPUT',
    );
    const stranger = await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.7.7' });
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'FAILOVER_NEW_SERVER_NOT_FOUND']);
    expect((await call('POST', '/failover/2001:db8:f0::', { active_server_ip: '2001:db8:3:3::' })).status).toBe(200);
  });

  it('allows 50 switches per hour, then answers 403 RATE_LIMIT_EXCEEDED with interval and max_request', async () => {
    const { call, clock } = await start(demoRobotSeed({ switchesPerHour: 3, routingMs: 0 }));
    const targets = ['198.18.3.2', '198.18.3.3', '198.18.3.1'];
    for (const t of targets)
      expect((await call('POST', '/failover/198.18.8.1', { active_server_ip: t })).status).toBe(200);
    const limited = await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' });
    expect(limited).toEqual({
      status: 403,
      body: {
        error: {
          status: 403,
          code: 'RATE_LIMIT_EXCEEDED',
          message: 'Rate limit exceeded',
          max_request: 3,
          interval: 3600,
        },
      },
    });
    expect((await call('GET', '/failover/198.18.8.1')).status).toBe(200);
    clock.t += 3_600_000;
    expect((await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' })).status).toBe(200);
  });

  it('injects faults per action and moves by hand through the admin endpoint', async () => {
    const { call, emu } = await start();
    await fetch(`${emu.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'error', count: 1, action: 'route_failover' }),
    });
    const failed = await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' });
    expect([failed.status, failed.body.error.code]).toEqual([500, 'FAILOVER_FAILED']);
    const hand = await fetch(`${emu.url}/__admin/route-failover`, {
      method: 'POST',
      body: JSON.stringify({ ip: '198.18.8.1', activeServerIp: '198.18.3.3' }),
    });
    expect(hand.status).toBe(200);
    expect((await call('GET', '/failover/198.18.8.1')).body.failover.active_server_ip).toBe('198.18.3.3');
    const bad = await fetch(`${emu.url}/__admin/route-failover`, {
      method: 'POST',
      body: JSON.stringify({ ip: '198.18.8.1', activeServerIp: '198.18.9.9' }),
    });
    expect(bad.status).toBe(404);
    expect(((await (await fetch(`${emu.url}/__admin/invariants`)).json()) as Json).ok).toBe(true);
    expect(emu.calls.count({ action: 'route_failover' })).toBe(1);
  });

  it('takes its routing time on the shared settings route', async () => {
    const { call, clock, emu } = await start();
    const res = await fetch(`${emu.url}/__admin/settings`, {
      method: 'POST',
      body: JSON.stringify({ routingMs: 5000 }),
    });
    expect(((await res.json()) as Json).routingMs).toBe(5000);
    await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' });
    clock.t += 4999;
    expect((await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.3' })).body.error.code).toBe(
      'FAILOVER_LOCKED',
    );
    clock.t += 1;
    expect((await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.3' })).status).toBe(200);
  });

  it('lags reads behind writes by consistencyLagMs', async () => {
    const { call, clock } = await start(demoRobotSeed({ routingMs: 0 }), { consistencyLagMs: 500 });
    await call('POST', '/failover/198.18.8.1', { active_server_ip: '198.18.3.2' });
    expect((await call('GET', '/failover/198.18.8.1')).body.failover.active_server_ip).toBe('198.18.3.1');
    clock.t += 500;
    expect((await call('GET', '/failover/198.18.8.1')).body.failover.active_server_ip).toBe('198.18.3.2');
  });

  it('refuses a seed routed to a stranger', () => {
    expect(
      () =>
        new HetznerRobotEmulator({
          servers: [{ number: 1, ip: '198.18.3.9' }],
          failoverIps: [{ ip: '198.18.8.1', server: 1, activeServerIp: '198.18.0.1' }],
        }),
    ).toThrow(/no server/);
  });
});
