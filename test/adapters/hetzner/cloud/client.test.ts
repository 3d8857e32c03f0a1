import { afterEach, describe, expect, it } from 'vitest';
import { CallCounter, HetznerCloudClient, hetznerCloudShouldRetry } from '../../../../adapters/hetzner/cloud';
import { systemClock } from '../../../../lib/clock';
import { withRetry } from '../../../../lib/retry';
import type { ProviderError } from '../../../../core/reasons';
import { HetznerCloudEmulator, demoCloudSeed, type CloudSeed } from '../../../../sim/hetzner-cloud';

let emu: HetznerCloudEmulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

/** A real emulator on the wall clock with short actions, and a client pointed at it. */
async function setup(seed: CloudSeed = demoCloudSeed({ actionDurationMs: 40 }), token = 'test-token') {
  emu = new HetznerCloudEmulator(seed);
  await emu.start();
  const client = new HetznerCloudClient({ token, baseUrl: emu.apiUrl, timeoutMs: 2000 });
  return { emu, client };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as ProviderError,
  );
const arm = (e: HetznerCloudEmulator, spec: unknown) =>
  fetch(`${e.url}/__admin/faults`, { method: 'POST', body: JSON.stringify(spec) });

describe('HetznerCloudClient against the emulator', () => {
  it('reads floating IPs, servers and networks, validated and typed', async () => {
    const { client } = await setup();
    const fip = await client.getFloatingIp(100);
    expect(fip).toMatchObject({
      id: 100,
      ip: '198.18.9.1',
      type: 'ipv4',
      server: 1,
      home_location: { name: 'fsn1', network_zone: 'eu-central' },
    });
    const server = await client.getServer(2);
    expect(server.datacenter.location.name).toBe('nbg1');
    expect(server.private_net[0]).toMatchObject({ network: 10, ip: '10.0.1.3', alias_ips: [] });
    const network = await client.getNetwork(10);
    expect(network.subnets[0]).toMatchObject({ ip_range: '10.0.1.0/24', network_zone: 'eu-central' });
    expect((await client.listServers()).map((s) => s.name)).toEqual(['mx1', 'mx2', 'us1']);
    expect((await client.listServers({ name: 'mx2' })).map((s) => s.id)).toEqual([2]);
  });

  it('follows pagination to the end and counts one call per page', async () => {
    const floatingIps = Array.from({ length: 120 }, (_, i) => ({
      id: i + 1,
      ip: `198.18.10.${i + 1}`,
      homeLocation: 'fsn1',
    }));
    const { client } = await setup({ floatingIps });
    const all = await client.listFloatingIps();
    expect(all.map((f) => f.id)).toEqual(floatingIps.map((f) => f.id));
    expect(client.calls.get('list_floating_ips')).toBe(3);
  });

  it('assigns a floating IP, waits for the action, and counts calls per operation', async () => {
    const { client } = await setup();
    const move = new CallCounter();
    const action = await client.assignFloatingIp(100, 2, { calls: move });
    expect(action.status).toBe('running');
    const done = await client.waitForAction(action, { deadlineMs: 2000, pollMs: 10, calls: move });
    expect(done.status).toBe('success');
    expect((await client.getFloatingIp(100, { calls: move })).server).toBe(2);
    expect(move.get('assign_floating_ip')).toBe(1);
    expect(move.get('get_action')).toBeGreaterThanOrEqual(1);
    expect(move.total).toBe(client.calls.total);
  });

  it('exposes the RateLimit headers and a budget estimated from them', async () => {
    const { client } = await setup();
    expect(client.budget()).toEqual({ remaining: null, limit: null, resetAt: null });
    await client.getServer(1);
    await client.getServer(1);
    expect(client.rateLimit).toMatchObject({ limit: 3600, remaining: 3598 });
    expect(client.budget()).toMatchObject({ limit: 3600, remaining: 3598 });
    expect(client.budget().resetAt).toBeGreaterThan(Date.now());
  });

  it('maps 401, not_found, invalid_input (zone), floating_ip_assigned and ip_not_available', async () => {
    const { client, emu } = await setup();
    const bad = new HetznerCloudClient({ token: 'wrong', baseUrl: emu.apiUrl });
    expect(await failure(bad.getServer(1))).toMatchObject({
      reason: 'forbidden',
      details: { status: 401, code: 'unauthorized' },
    });
    expect(await failure(client.getFloatingIp(999))).toMatchObject({
      reason: 'not-found',
      details: { code: 'not_found' },
    });
    const zone = await failure(client.assignFloatingIp(100, 3));
    expect(zone).toMatchObject({ reason: 'invalid', details: { status: 400, code: 'invalid_input' } });
    expect(zone.message).toMatch(/network zone/);
    const same = await failure(client.assignFloatingIp(100, 1));
    expect(same).toMatchObject({ reason: 'conflict', details: { code: 'floating_ip_assigned' } });
    expect(hetznerCloudShouldRetry(same)).toBe(false);
    await client.waitForAction(await client.changeAliasIps(1, 10, ['10.0.1.50']), { deadlineMs: 2000, pollMs: 10 });
    const taken = await failure(client.changeAliasIps(2, 10, ['10.0.1.50']));
    expect(taken).toMatchObject({ reason: 'conflict', details: { code: 'ip_not_available' } });
    expect(hetznerCloudShouldRetry(taken)).toBe(false);
  });

  it('maps locked onto a retryable conflict and gets through once the action ends', async () => {
    const { client } = await setup(demoCloudSeed({ actionDurationMs: 150 }));
    await client.assignFloatingIp(100, 2);
    const locked = await failure(client.unassignFloatingIp(100));
    expect(locked).toMatchObject({ reason: 'conflict', details: { status: 423, code: 'locked' } });
    const action = await withRetry(() => client.unassignFloatingIp(100), {
      clock: systemClock,
      deadlineMs: 3000,
      baseDelayMs: 50,
      shouldRetry: hetznerCloudShouldRetry,
    });
    await client.waitForAction(action, { deadlineMs: 2000, pollMs: 20 });
    expect((await client.getFloatingIp(100)).server).toBeNull();
  });

  it('moves an alias IP: remove from the old server, then add to the new one', async () => {
    const seed = demoCloudSeed({ actionDurationMs: 30 });
    seed.servers![0]!.privateNets![0]!.aliasIps = ['10.0.1.50', '10.0.1.51'];
    const { client } = await setup(seed);
    const wait = { deadlineMs: 2000, pollMs: 10 };
    const old = (await client.getServer(1)).private_net.find((n) => n.network === 10)!;
    await client.waitForAction(
      await client.changeAliasIps(
        1,
        10,
        old.alias_ips.filter((ip) => ip !== '10.0.1.50'),
      ),
      wait,
    );
    await client.waitForAction(await client.changeAliasIps(2, 10, ['10.0.1.50']), wait);
    expect((await client.getServer(1)).private_net[0]!.alias_ips).toEqual(['10.0.1.51']);
    expect((await client.getServer(2)).private_net[0]!.alias_ips).toEqual(['10.0.1.50']);
  });

  it('maps 429 onto throttled with a retryAfterMs of about one refill', async () => {
    const { client, emu } = await setup();
    await fetch(`${emu.url}/__admin/drain-rate-limit`, { method: 'POST', body: '{}' });
    const err = await failure(client.getServer(1));
    expect(err).toMatchObject({ reason: 'throttled', details: { status: 429, code: 'rate_limit_exceeded' } });
    expect(err.details.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(err.details.retryAfterMs).toBeLessThanOrEqual(2000);
    expect(client.budget().remaining).toBe(0);
  });

  it('maps injected 5xx onto transient and a hanging request onto a transient timeout', async () => {
    const { emu } = await setup();
    const client = new HetznerCloudClient({ token: 'test-token', baseUrl: emu.apiUrl, timeoutMs: 150 });
    await arm(emu, { kind: 'error', count: 1, action: 'get_server' });
    expect(await failure(client.getServer(1))).toMatchObject({
      reason: 'transient',
      details: { status: 500, code: 'server_error' },
    });
    await arm(emu, { kind: 'error', count: 1, action: 'get_server', status: 503 });
    expect(await failure(client.getServer(1))).toMatchObject({
      reason: 'transient',
      details: { status: 503, code: 'service_error' },
    });
    await arm(emu, { kind: 'hang', count: 1, action: 'get_network', ms: 3000 });
    const hung = await failure(client.getNetwork(10));
    expect(hung).toMatchObject({ reason: 'transient', details: { code: 'timeout' } });
    expect(hung.message).toMatch(/timed out after 150 ms/);
  });

  it('reports an action that ends in error, and one that outlives the deadline', async () => {
    const { client, emu } = await setup(demoCloudSeed({ actionDurationMs: 30 }));
    await fetch(`${emu.url}/__admin/fail-actions`, {
      method: 'POST',
      body: JSON.stringify({ command: 'assign_floating_ip', message: 'routing failed' }),
    });
    const failed = await failure(
      client.waitForAction(await client.assignFloatingIp(100, 2), { deadlineMs: 2000, pollMs: 10 }),
    );
    expect(failed).toMatchObject({ reason: 'transient', details: { code: 'action_failed' } });
    expect(failed.message).toMatch(/routing failed/);
    emu.actionDurationMs = 10_000;
    const slow = await client.assignFloatingIp(100, 2);
    const late = await failure(client.waitForAction(slow.id, { deadlineMs: 100, pollMs: 20 }));
    expect(late).toMatchObject({ reason: 'transient', details: { code: 'action_timeout' } });
  });
});
