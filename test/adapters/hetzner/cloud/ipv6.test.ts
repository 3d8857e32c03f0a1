import { afterEach, describe, expect, it } from 'vitest';
import { HetznerCloudClient, HetznerCloudProvider } from '../../../../adapters/hetzner/cloud';
import { loadConfig, parseConfig, type Config } from '../../../../core/config';
import { HetznerCloudEmulator } from '../../../../sim/hetzner-cloud';
import { cloudSeed } from '../../../contract/hetzner-cloud-world';

/**
 * IPv6 floating IPs end to end: the API shows a /64 network ("2001:db8:ff::/64"); the VIP is the
 * host address the server carries in it (2001:db8:ff::1, as Hetzner's docs configure it). Floating
 * IP 101 of the seed is that /64, unassigned, homed in fsn1.
 */
let emu: HetznerCloudEmulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

function v6Config(vips: Array<Record<string, unknown>>): Config {
  return loadConfig({
    cluster: 'v6',
    security: { psk: 'contract-psk-0123456789' },
    nodes: [
      { id: 'mx1', interface: 'eth0', hetzner: { serverId: 1, location: 'fsn1', networkId: 10 } },
      { id: 'mx2', interface: 'eth0', hetzner: { serverId: 2, location: 'nbg1', networkId: 10 } },
    ],
    vips,
  });
}

async function world(config: Config) {
  emu = new HetznerCloudEmulator(cloudSeed({ actionDurationMs: 40 }));
  await emu.start();
  const client = new HetznerCloudClient({ token: 'test-token', baseUrl: emu.apiUrl, timeoutMs: 5000 });
  const provider = new HetznerCloudProvider({ client, nodes: config.nodes, actionPollMs: 20, verifyPollMs: 20 });
  return {
    emu,
    client,
    provider,
    vip: (name: string) => config.vips.find((v) => v.name === name)!,
    node: (id: string) => config.nodes.find((n) => n.id === id)!,
  };
}

const ctx = (epoch: number) => ({ epoch, deadline: Date.now() + 15_000 });

describe('Hetzner Cloud IPv6 floating IPs', () => {
  it('the emulator shows an IPv6 floating IP as its /64 network, as the API does', async () => {
    const w = await world(v6Config([{ name: 'v6', address: '2001:db8:ff::1/64', kind: 'hetzner-floating-ip' }]));
    const fip = await w.client.getFloatingIp(101);
    expect(fip).toMatchObject({ ip: '2001:db8:ff::/64', type: 'ipv6', server: null });
    // A seed naming the /64 by one of its host addresses is still shown as the network.
    const seeded = new HetznerCloudEmulator(
      cloudSeed({ floatingIps: [{ id: 7, ip: '2001:db8:aa::5/64', homeLocation: 'fsn1' }] }),
    );
    expect(seeded.state.floatingIps.get(7)!.ip).toBe('2001:db8:aa::/64');
    expect(
      () =>
        new HetznerCloudEmulator(cloudSeed({ floatingIps: [{ id: 7, ip: '2001:db8:aa::/56', homeLocation: 'fsn1' }] })),
    ).toThrow(/is a \/64/);
  });

  it('finds the floating IP holding a host address by containment, moves it, verifies and observes it', async () => {
    const w = await world(
      v6Config([{ name: 'v6', address: '2001:db8:ff::1/64', kind: 'hetzner-floating-ip', preferred: 'mx1' }]),
    );
    const vip = w.vip('v6');
    expect((await w.provider.observe([vip])).get('v6')).toEqual({ node: null });
    expect(await w.provider.move(vip, w.node('mx1'), ctx(1))).toMatchObject({ ok: true, changed: true });
    expect(w.emu.state.floatingIps.get(101)!.server.current()).toBe(1);
    expect(await w.provider.move(vip, w.node('mx2'), ctx(2))).toMatchObject({ ok: true, changed: true });
    expect(await w.provider.move(vip, w.node('mx2'), ctx(3))).toMatchObject({ ok: true, changed: false });
    expect((await w.provider.observe([vip])).get('v6')).toEqual({ node: 'mx2' });
    expect(w.emu.calls.calls.filter((c) => c.action === 'assign_floating_ip').map((c) => c.status)).toEqual([201, 201]);
  });

  it('with a floatingIpId, a host address inside its /64 is accepted and one outside is refused, naming both', async () => {
    const w = await world(
      v6Config([
        { name: 'inside', address: '2001:db8:ff::1/64', kind: 'hetzner-floating-ip', hetzner: { floatingIpId: 101 } },
        { name: 'outside', address: '2001:db8:fe::1/64', kind: 'hetzner-floating-ip', hetzner: { floatingIpId: 101 } },
        { name: 'v4', address: '198.18.9.1/32', kind: 'hetzner-floating-ip' },
      ]),
    );
    expect(await w.provider.move(w.vip('inside'), w.node('mx1'), ctx(1))).toMatchObject({ ok: true, changed: true });
    const wrong = await w.provider.move(w.vip('outside'), w.node('mx2'), ctx(2));
    expect(wrong).toMatchObject({ ok: false, reason: 'invalid' });
    expect(wrong.ok ? '' : wrong.message).toMatch(
      /floating IP 101 is 2001:db8:ff::\/64, which does not hold VIP outside's address 2001:db8:fe::1/,
    );
    // Several VIPs are observed with one list; an IPv4 one is still matched by equality beside it.
    const seen = await w.provider.observe([w.vip('inside'), w.vip('v4')]);
    expect(Object.fromEntries(seen)).toEqual({ inside: { node: 'mx1' }, v4: { node: 'mx1' } });
  });

  it("an address in no floating IP's /64 is not-found, saying what was looked for", async () => {
    const w = await world(v6Config([{ name: 'nowhere', address: '2001:db8:77::1/64', kind: 'hetzner-floating-ip' }]));
    const r = await w.provider.move(w.vip('nowhere'), w.node('mx1'), ctx(1));
    expect(r).toMatchObject({ ok: false, reason: 'not-found' });
    expect(r.ok ? '' : r.message).toMatch(/no floating IP holds 2001:db8:77::1.*its \/64/);
    expect(w.emu.calls.calls.filter((c) => c.mutating)).toEqual([]);
  });
});

describe('config: Hetzner IPv6 floating IP addresses', () => {
  const base = {
    cluster: 'v6',
    security: { psk: 'contract-psk-0123456789' },
    nodes: [{ id: 'mx1', interface: 'eth0', hetzner: { serverId: 1, location: 'fsn1', networkId: 10 } }],
  };
  const issues = (vips: Array<Record<string, unknown>>) => {
    const r = parseConfig({ ...base, vips });
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('accepts a host address in the /64 (with /64 or /128)', () => {
    expect(issues([{ address: '2001:db8:ff::1/64', kind: 'hetzner-floating-ip' }])).toEqual([]);
    expect(issues([{ address: '2001:db8:ff::1/128', kind: 'hetzner-floating-ip' }])).toEqual([]);
  });

  it('refuses the network address, a prefix wider than /64, two VIPs in one /64 and an IPv6 alias IP, saying exactly what', () => {
    expect(issues([{ address: '2001:db8:ff::/64', kind: 'hetzner-floating-ip' }])).toEqual([
      "vips[0].address: 2001:db8:ff:: is the network address of the floating IP 2001:db8:ff::/64 (the subnet-router anycast address), not a host address: write the address the server carries, e.g. 2001:db8:ff::1/64 as Hetzner's docs do",
    ]);
    expect(issues([{ address: '2001:db8:ff::1/48', kind: 'hetzner-floating-ip' }])).toEqual([
      'vips[0].address: /48 is wider than a Hetzner IPv6 floating IP, which is one /64 (2001:db8:ff::/64): write a host address in it with /64, e.g. 2001:db8:ff::1/64',
    ]);
    expect(
      issues([
        { name: 'a', address: '2001:db8:ff::1/64', kind: 'hetzner-floating-ip' },
        { name: 'b', address: '2001:db8:ff::2/64', kind: 'hetzner-floating-ip' },
      ]),
    ).toEqual([
      'vips[1].address: 2001:db8:ff::2 is in the same floating IP (2001:db8:ff::/64) as vips[0]; a floating IP moves as a whole, so give it one VIP',
    ]);
    expect(issues([{ address: '2001:db8:1::5/64', kind: 'hetzner-alias-ip', hetzner: { networkId: 10 } }])).toEqual([
      'vips[0].address: 2001:db8:1::5: a Hetzner alias IP is an IPv4 address of a private network',
    ]);
  });
});
