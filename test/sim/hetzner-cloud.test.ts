import { afterEach, describe, expect, it } from 'vitest';
import { HetznerCloudEmulator, demoCloudSeed, type CloudSeed } from '../../sim/hetzner-cloud';

// Answers are read field by field and checked by the assertions themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const AUTH = { authorization: 'Bearer test-token', 'content-type': 'application/json' };
let emu: HetznerCloudEmulator | undefined;

/** An emulator on a hand-driven clock, so action timing is exact. */
async function start(seed: CloudSeed = demoCloudSeed(), settings = {}) {
  const clock = { t: 1_750_000_000_000 };
  emu = new HetznerCloudEmulator(seed, settings, () => clock.t);
  await emu.start();
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) => {
    const res = await fetch(`${emu!.apiUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, Json> };
  };
  return { emu, clock, call };
}

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe('HetznerCloudEmulator: auth, errors, rate limit', () => {
  it('refuses a missing or wrong bearer token with 401 unauthorized, with RateLimit headers', async () => {
    const { call } = await start();
    const none = await call('GET', '/floating_ips', undefined, {});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await call('GET', '/floating_ips', undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('ratelimit-limit')).toBe('3600');
    expect(Number(wrong.headers.get('ratelimit-remaining'))).toBe(3598);
  });

  it('answers unknown resources and routes with not_found, bad ids and bodies with invalid_input/json_error', async () => {
    const { call } = await start();
    expect((await call('GET', '/floating_ips/999')).body.error.code).toBe('not_found');
    expect((await call('GET', '/nothing')).status).toBe(404);
    const badId = await call('GET', '/servers/abc');
    expect([badId.status, badId.body.error.code]).toEqual([400, 'invalid_input']);
    const res = await fetch(`${emu!.apiUrl}/floating_ips/100/actions/assign`, {
      method: 'POST',
      headers: AUTH,
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe('json_error');
  });

  it('spends one token per request, answers 429 rate_limit_exceeded when empty and refills evenly', async () => {
    const { call, clock } = await start(demoCloudSeed({ rateLimitPerHour: 3 }));
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) remaining.push((await call('GET', '/servers/1')).headers.get('ratelimit-remaining')!);
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await call('GET', '/servers/1');
    expect([limited.status, limited.body.error.code]).toEqual([429, 'rate_limit_exceeded']);
    expect(Number(limited.headers.get('ratelimit-reset'))).toBe(Math.ceil((clock.t + 3600_000) / 1000));
    clock.t += 1200_000; // 3 per hour: one token every 20 minutes
    expect((await call('GET', '/servers/1')).status).toBe(200);
  });

  it('lets the admin drain the bucket', async () => {
    const { call, emu } = await start();
    await fetch(`${emu.url}/__admin/drain-rate-limit`, { method: 'POST', body: '{}' });
    expect((await call('GET', '/servers')).status).toBe(429);
  });
});

describe('HetznerCloudEmulator: reads and pagination', () => {
  it('pages lists with page/per_page and meta.pagination, refusing per_page above 50', async () => {
    const floatingIps = Array.from({ length: 60 }, (_, i) => ({
      id: i + 1,
      ip: `198.18.10.${i + 1}`,
      homeLocation: 'fsn1',
    }));
    const { call } = await start({ floatingIps });
    const first = await call('GET', '/floating_ips');
    expect(first.body.floating_ips).toHaveLength(25);
    expect(first.body.meta.pagination).toEqual({
      page: 1,
      per_page: 25,
      previous_page: null,
      next_page: 2,
      last_page: 3,
      total_entries: 60,
    });
    const last = await call('GET', '/floating_ips?page=3&per_page=25');
    expect(last.body.floating_ips.map((f: Json) => f.id)).toEqual(Array.from({ length: 10 }, (_, i) => 51 + i));
    expect(last.body.meta.pagination.next_page).toBeNull();
    expect((await call('GET', '/floating_ips?per_page=51')).body.error.code).toBe('invalid_input');
  });

  it('shows servers with datacenter.location, public_net and private_net with alias IPs, and networks with subnets', async () => {
    const { call } = await start();
    const { body } = await call('GET', '/servers/1');
    expect(body.server.datacenter.location.name).toBe('fsn1');
    expect(body.server.datacenter.location.network_zone).toBe('eu-central');
    expect(body.server.public_net.ipv4.ip).toBe('198.18.1.1');
    expect(body.server.public_net.floating_ips).toEqual([100]);
    expect(body.server.private_net).toEqual([
      { network: 10, ip: '10.0.1.2', alias_ips: [], mac_address: expect.any(String) },
    ]);
    const net = await call('GET', '/networks/10');
    expect(net.body.network.ip_range).toBe('10.0.0.0/16');
    expect(net.body.network.subnets[0]).toMatchObject({
      ip_range: '10.0.1.0/24',
      network_zone: 'eu-central',
      gateway: '10.0.1.1',
    });
    expect(net.body.network.servers).toEqual([1, 2]);
  });
});

describe('HetznerCloudEmulator: floating IP actions', () => {
  it('runs an assign as an action that locks the floating IP and applies when it ends', async () => {
    const { call, clock } = await start();
    const assign = await call('POST', '/floating_ips/100/actions/assign', { server: 2 });
    expect(assign.status).toBe(201);
    expect(assign.body.action).toMatchObject({
      command: 'assign_floating_ip',
      status: 'running',
      progress: 0,
      error: null,
    });
    expect((await call('GET', '/floating_ips/100')).body.floating_ip.server).toBe(1);
    const again = await call('POST', '/floating_ips/100/actions/assign', { server: 1 });
    expect([again.status, again.body.error.code]).toEqual([423, 'locked']);
    expect((await call('GET', '/servers/2')).body.server.locked).toBe(true);
    clock.t += 100;
    expect((await call('GET', `/actions/${assign.body.action.id}`)).body.action.progress).toBe(50);
    clock.t += 100;
    const done = await call('GET', `/actions/${assign.body.action.id}`);
    expect(done.body.action).toMatchObject({ status: 'success', progress: 100 });
    expect((await call('GET', '/floating_ips/100')).body.floating_ip.server).toBe(2);
    expect((await call('GET', '/servers/2')).body.server.public_net.floating_ips).toEqual([100]);
  });

  it('refuses assigns across network zones, to unknown servers, to the current server, and of blocked IPs', async () => {
    const seed = demoCloudSeed();
    seed.floatingIps!.push({ id: 103, ip: '198.18.9.3', homeLocation: 'nbg1', blocked: true });
    const { call } = await start(seed);
    const zone = await call('POST', '/floating_ips/100/actions/assign', { server: 3 });
    expect([zone.status, zone.body.error.code]).toEqual([400, 'invalid_input']);
    expect(zone.body.error.details.fields[0].name).toBe('server');
    expect((await call('POST', '/floating_ips/100/actions/assign', { server: 77 })).body.error.code).toBe('not_found');
    expect((await call('POST', '/floating_ips/100/actions/assign', {})).body.error.code).toBe('invalid_input');
    const same = await call('POST', '/floating_ips/100/actions/assign', { server: 1 });
    expect([same.status, same.body.error.code]).toEqual([422, 'floating_ip_assigned']);
    expect((await call('POST', '/floating_ips/103/actions/assign', { server: 1 })).body.error.code).toBe('forbidden');
  });

  it('unassigns, and shows writes only after the consistency lag', async () => {
    const { call, clock } = await start(demoCloudSeed(), { consistencyLagMs: 1000 });
    const un = await call('POST', '/floating_ips/100/actions/unassign');
    expect(un.body.action.command).toBe('unassign_floating_ip');
    clock.t += 200;
    expect((await call('GET', `/actions/${un.body.action.id}`)).body.action.status).toBe('success');
    expect((await call('GET', '/floating_ips/100')).body.floating_ip.server).toBe(1);
    clock.t += 1000;
    expect((await call('GET', '/floating_ips/100')).body.floating_ip.server).toBeNull();
  });

  it('ends an action in error when the admin asks, leaving the state unchanged', async () => {
    const { call, clock, emu } = await start();
    await fetch(`${emu.url}/__admin/fail-actions`, {
      method: 'POST',
      body: JSON.stringify({ command: 'assign_floating_ip', code: 'action_failed' }),
    });
    const assign = await call('POST', '/floating_ips/100/actions/assign', { server: 2 });
    clock.t += 200;
    const action = (await call('GET', `/actions/${assign.body.action.id}`)).body.action;
    expect(action).toMatchObject({ status: 'error', error: { code: 'action_failed', message: 'Action failed' } });
    expect((await call('GET', '/floating_ips/100')).body.floating_ip.server).toBe(1);
  });
});

describe('HetznerCloudEmulator: alias IPs', () => {
  it('replaces the whole alias list, refuses addresses outside the network or held elsewhere', async () => {
    const { call, clock } = await start();
    const set = await call('POST', '/servers/1/actions/change_alias_ips', {
      network: 10,
      alias_ips: ['10.0.1.50', '10.0.1.51'],
    });
    expect(set.body.action.command).toBe('change_alias_ips');
    const outside = await call('POST', '/servers/2/actions/change_alias_ips', {
      network: 10,
      alias_ips: ['10.0.2.50'],
    });
    expect([outside.status, outside.body.error.code]).toEqual([400, 'invalid_input']);
    const taken = await call('POST', '/servers/2/actions/change_alias_ips', { network: 10, alias_ips: ['10.0.1.50'] });
    expect([taken.status, taken.body.error.code]).toEqual([422, 'ip_not_available']);
    const primary = await call('POST', '/servers/2/actions/change_alias_ips', { network: 10, alias_ips: ['10.0.1.2'] });
    expect(primary.body.error.code).toBe('ip_not_available');
    clock.t += 200;
    expect((await call('GET', '/servers/1')).body.server.private_net[0].alias_ips).toEqual(['10.0.1.50', '10.0.1.51']);
    await call('POST', '/servers/1/actions/change_alias_ips', { network: 10, alias_ips: ['10.0.1.51'] });
    const moved = await call('POST', '/servers/2/actions/change_alias_ips', { network: 10, alias_ips: ['10.0.1.50'] });
    expect(moved.status).toBe(201);
    clock.t += 200;
    expect((await call('GET', '/servers/1')).body.server.private_net[0].alias_ips).toEqual(['10.0.1.51']);
    expect((await call('GET', '/servers/2')).body.server.private_net[0].alias_ips).toEqual(['10.0.1.50']);
    const inv = (await (await fetch(`${emu!.url}/__admin/invariants`)).json()) as { ok: boolean };
    expect(inv.ok).toBe(true);
  });

  it('enforces the per-server alias limit, the attachment and the lock', async () => {
    const seed = demoCloudSeed();
    seed.servers![0]!.aliasLimit = 1;
    const { call } = await start(seed);
    const many = await call('POST', '/servers/1/actions/change_alias_ips', {
      network: 10,
      alias_ips: ['10.0.1.50', '10.0.1.51'],
    });
    expect(many.body.error.code).toBe('invalid_input');
    expect(
      (await call('POST', '/servers/3/actions/change_alias_ips', { network: 10, alias_ips: [] })).body.error.code,
    ).toBe('invalid_input');
    expect(
      (await call('POST', '/servers/1/actions/change_alias_ips', { network: 99, alias_ips: [] })).body.error.code,
    ).toBe('not_found');
    await call('POST', '/servers/1/actions/change_alias_ips', { network: 10, alias_ips: ['10.0.1.50'] });
    expect(
      (await call('POST', '/servers/1/actions/change_alias_ips', { network: 10, alias_ips: [] })).body.error.code,
    ).toBe('locked');
  });
});

describe('HetznerCloudEmulator: faults, hand moves, invariants', () => {
  it('injects 5xx, throttles and hangs per action name and logs every call', async () => {
    const { call, emu } = await start();
    const arm = (spec: unknown) => fetch(`${emu.url}/__admin/faults`, { method: 'POST', body: JSON.stringify(spec) });
    await arm({ kind: 'error', count: 1, action: 'get_server' });
    await arm({ kind: 'error', count: 1, action: 'get_network', status: 503 });
    await arm({ kind: 'throttle', count: 1, action: 'get_floating_ip' });
    await arm({ kind: 'hang', count: 1, action: 'list_servers', ms: 5_000 });
    const err = await call('GET', '/servers/1');
    expect([err.status, err.body.error.code]).toEqual([500, 'server_error']);
    const unavailable = await call('GET', '/networks/10');
    expect([unavailable.status, unavailable.body.error.code]).toEqual([503, 'service_error']);
    expect((await call('GET', '/floating_ips/100')).status).toBe(429);
    await expect(fetch(`${emu.apiUrl}/servers`, { headers: AUTH, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await call('GET', '/servers/1')).status).toBe(200);
    expect(emu.calls.count({ action: 'get_server' })).toBe(2);
    expect(emu.calls.count({ action: 'get_server', ok: false })).toBe(1);
  });

  it('moves a floating IP and an alias IP by hand through the admin routes', async () => {
    const { call, emu } = await start();
    const post = (path: string, body: unknown) =>
      fetch(`${emu.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('/__admin/move-floating-ip', { floatingIp: 100, server: 2 })).status).toBe(200);
    expect((await call('GET', '/floating_ips/100')).body.floating_ip.server).toBe(2);
    expect((await post('/__admin/move-floating-ip', { floatingIp: 100, server: 3 })).status).toBe(400);
    await post('/__admin/move-alias-ip', { network: 10, ip: '10.0.1.60', server: 1 });
    await post('/__admin/move-alias-ip', { network: 10, ip: '10.0.1.60', server: 2 });
    const state = (await (await fetch(`${emu.url}/__admin/state`)).json()) as Json;
    expect(state.servers[0].privateNets[0].aliasIps).toEqual([]);
    expect(state.servers[1].privateNets[0].aliasIps).toEqual(['10.0.1.60']);
    expect(((await (await fetch(`${emu.url}/__admin/invariants`)).json()) as Json).ok).toBe(true);
  });

  it('takes its action duration on the shared settings route', async () => {
    const { call, clock, emu } = await start();
    const res = await fetch(`${emu.url}/__admin/settings`, {
      method: 'POST',
      body: JSON.stringify({ actionDurationMs: 1000, latencyMs: 0 }),
    });
    expect(((await res.json()) as Json).actionDurationMs).toBe(1000);
    const bad = await fetch(`${emu.url}/__admin/settings`, {
      method: 'POST',
      body: JSON.stringify({ actionDurationMs: -1 }),
    });
    expect(bad.status).toBe(400);
    const assign = await call('POST', '/floating_ips/100/actions/assign', { server: 2 });
    clock.t += 999;
    expect((await call('GET', `/actions/${assign.body.action.id}`)).body.action.status).toBe('running');
    clock.t += 1;
    expect((await call('GET', `/actions/${assign.body.action.id}`)).body.action.status).toBe('success');
  });

  it('refuses a seed that breaks its own rules', () => {
    expect(
      () => new HetznerCloudEmulator({ floatingIps: [{ id: 1, ip: '198.18.0.1', homeLocation: 'mars1' }] }),
    ).toThrow(/unknown location/);
    const clash = demoCloudSeed();
    clash.servers![1]!.privateNets![0]!.aliasIps = ['10.0.1.2'];
    expect(() => new HetznerCloudEmulator(clash)).toThrow(/invariant/);
    expect(
      () =>
        new HetznerCloudEmulator({
          servers: [{ id: 1, name: 'x', location: 'fsn1', privateNets: [{ network: 5, ip: '10.0.0.2' }] }],
        }),
    ).toThrow(/unknown network/);
  });
});
