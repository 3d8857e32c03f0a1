import { afterEach, describe, expect, it } from 'vitest';
import { CallCounter } from '../../../../adapters/hetzner/cloud';
import { HetznerRobotClient, robotReasonFor, robotShouldRetry } from '../../../../adapters/hetzner/robot';
import { systemClock } from '../../../../lib/clock';
import { withRetry } from '../../../../lib/retry';
import type { ProviderError } from '../../../../core/reasons';
import { HetznerRobotEmulator, demoRobotSeed, type RobotSeed } from '../../../../sim/hetzner-robot';

let emu: HetznerRobotEmulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(seed: RobotSeed = demoRobotSeed({ routingMs: 100 }), password = 'robot-pass') {
  emu = new HetznerRobotEmulator(seed);
  await emu.start();
  const client = new HetznerRobotClient({
    user: 'robot-user',
    password,
    baseUrl: emu.url,
    timeoutMs: 2000,
    switchTimeoutMs: 2000,
  });
  return { emu, client };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ProviderError,
  );

describe('HetznerRobotClient against the emulator', () => {
  it('lists and gets failover IPs, an empty account being an empty list', async () => {
    const { client } = await setup();
    expect((await client.listFailovers()).map((f) => f.ip)).toEqual(['198.18.8.1', '2001:db8:f0::']);
    expect(await client.getFailover('198.18.8.1')).toEqual({
      ip: '198.18.8.1',
      netmask: '255.255.255.255',
      server_ip: '198.18.3.1',
      server_ipv6_net: '2001:db8:3:1::',
      server_number: 321,
      active_server_ip: '198.18.3.1',
    });
    await emu!.close();
    const empty = await setup({ servers: [{ number: 1, ip: '198.18.3.9' }], failoverIps: [] });
    expect(await empty.client.listFailovers()).toEqual([]);
  });

  it('routes with a form body, treats FAILOVER_ALREADY_ROUTED as done, and counts switches', async () => {
    const { client } = await setup(demoRobotSeed({ routingMs: 0 }));
    const move = new CallCounter();
    const first = await client.routeFailover('198.18.8.1', '198.18.3.2', { calls: move });
    expect(first).toMatchObject({ changed: true, failover: { active_server_ip: '198.18.3.2' } });
    expect(await client.routeFailover('198.18.8.1', '198.18.3.2', { calls: move })).toEqual({ changed: false });
    expect(move.get('route_failover')).toBe(2);
    expect(client.switchBudget()).toMatchObject({ limit: 50, remaining: 48 });
    expect((await client.unrouteFailover('198.18.8.1')).changed).toBe(true);
    expect(await client.unrouteFailover('198.18.8.1')).toEqual({ changed: false });
    expect((await client.getFailover('198.18.8.1')).active_server_ip).toBeNull();
  });

  it('maps FAILOVER_LOCKED onto a retryable conflict and gets through once routing is done', async () => {
    const { client } = await setup();
    await client.routeFailover('198.18.8.1', '198.18.3.2');
    const locked = await failure(client.routeFailover('198.18.8.1', '198.18.3.3'));
    expect(locked).toMatchObject({ reason: 'conflict', details: { status: 409, code: 'FAILOVER_LOCKED' } });
    expect(robotShouldRetry(locked)).toBe(true);
    const done = await withRetry(() => client.routeFailover('198.18.8.1', '198.18.3.3'), {
      clock: systemClock,
      deadlineMs: 3000,
      baseDelayMs: 40,
      shouldRetry: robotShouldRetry,
    });
    expect(done.changed).toBe(true);
  });

  it('maps 401, NOT_FOUND, FAILOVER_NEW_SERVER_NOT_FOUND, INVALID_INPUT and FAILOVER_FAILED', async () => {
    const { client, emu } = await setup();
    const stranger = new HetznerRobotClient({ user: 'robot-user', password: 'wrong', baseUrl: emu.url });
    expect(await failure(stranger.getFailover('198.18.8.1'))).toMatchObject({
      reason: 'forbidden',
      details: { status: 401, code: 'UNAUTHORIZED' },
    });
    expect(await failure(client.getFailover('198.18.8.9'))).toMatchObject({
      reason: 'not-found',
      details: { code: 'NOT_FOUND' },
    });
    expect(await failure(client.routeFailover('198.18.8.1', '198.18.7.7'))).toMatchObject({
      reason: 'not-found',
      details: { code: 'FAILOVER_NEW_SERVER_NOT_FOUND' },
    });
    expect(await failure(client.routeFailover('198.18.8.1', '2001:db8:3:2::'))).toMatchObject({
      reason: 'invalid',
      details: { code: 'INVALID_INPUT' },
    });
    await fetch(`${emu.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'error', count: 1, action: 'route_failover' }),
    });
    expect(await failure(client.routeFailover('198.18.8.1', '198.18.3.2'))).toMatchObject({
      reason: 'transient',
      details: { status: 500, code: 'FAILOVER_FAILED' },
    });
    expect(await failure(client.getFailover('not-an-ip'))).toMatchObject({
      reason: 'invalid',
      details: { code: 'invalid_argument' },
    });
  });

  it('maps 403 RATE_LIMIT_EXCEEDED onto throttled and closes the switch budget', async () => {
    const { client, emu } = await setup();
    await fetch(`${emu.url}/__admin/exhaust-rate-limit`, { method: 'POST', body: '{}' });
    const err = await failure(client.routeFailover('198.18.8.1', '198.18.3.2'));
    expect(err).toMatchObject({
      reason: 'throttled',
      details: { status: 403, code: 'RATE_LIMIT_EXCEEDED', retryAfterMs: 72_000 },
    });
    expect(client.switchBudget().remaining).toBe(0);
    expect(client.switchBudget().resetAt).toBeGreaterThanOrEqual(Date.now() + 71_000);
  });
});

describe('HetznerRobotClient odd answers (stub fetch)', () => {
  const stub =
    (status: number, body: string): typeof fetch =>
    async () =>
      new Response(body, { status });
  const client = (f: typeof fetch) =>
    new HetznerRobotClient({ user: 'u', password: 'p', baseUrl: 'http://stub.invalid', fetch: f });

  it('maps codes and bare statuses', () => {
    const table: Array<[number, string | undefined, string]> = [
      [403, 'RATE_LIMIT_EXCEEDED', 'throttled'],
      [409, 'FAILOVER_LOCKED', 'conflict'],
      [404, 'NOT_FOUND', 'not-found'],
      [400, 'INVALID_INPUT', 'invalid'],
      [401, undefined, 'forbidden'],
      [403, undefined, 'forbidden'],
      [500, 'FAILOVER_FAILED', 'transient'],
      [503, undefined, 'transient'],
      [409, 'SOMETHING_NEW', 'conflict'],
    ];
    for (const [status, code, reason] of table)
      expect([status, code, robotReasonFor(status, code)]).toEqual([status, code, reason]);
  });

  it('sends Basic auth and a form body', async () => {
    let seen: RequestInit | undefined;
    const f: typeof fetch = async (_url, init) => {
      seen = init;
      return new Response(
        JSON.stringify({
          failover: {
            ip: '198.18.8.1',
            netmask: '255.255.255.255',
            server_ip: '198.18.3.1',
            server_ipv6_net: null,
            server_number: 1,
            active_server_ip: '198.18.3.2',
          },
        }),
      );
    };
    await client(f).routeFailover('198.18.8.1', '198.18.3.2');
    expect((seen!.headers as Record<string, string>).authorization).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
    expect((seen!.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen!.body).toBe('active_server_ip=198.18.3.2');
  });

  it('treats a non-JSON body as transient and a wrong shape as invalid', async () => {
    expect(await failure(client(stub(200, 'oops')).getFailover('198.18.8.1'))).toMatchObject({
      reason: 'transient',
      details: { code: 'malformed_answer' },
    });
    const shape = await failure(
      client(stub(200, JSON.stringify({ failover: { ip: '198.18.8.1' } }))).getFailover('198.18.8.1'),
    );
    expect(shape).toMatchObject({ reason: 'invalid', details: { code: 'unexpected_answer' } });
    expect(shape.message).toMatch(/failover\.netmask/);
    expect(await failure(client(stub(502, '<html>')).listFailovers())).toMatchObject({
      reason: 'transient',
      details: { status: 502 },
    });
  });

  it('maps a dropped connection onto transient', async () => {
    const dropped: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    expect(await failure(client(dropped).getFailover('198.18.8.1'))).toMatchObject({
      reason: 'transient',
      details: { code: 'network' },
    });
  });
});
