import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';
import { HetznerCloudEmulator } from '../../sim/hetzner-cloud';
import { seedFromConfig as cloudSeed } from '../../sim/hetzner-cloud/from-config';
import { HetznerRobotEmulator } from '../../sim/hetzner-robot';
import { seedFromConfig as robotSeed } from '../../sim/hetzner-robot/from-config';
import { example } from '../helpers/configs';

const hz = example('hetzner/ipferry.yaml');

describe('Hetzner Cloud seed from a config', () => {
  it('builds the example project: network, servers with private IPs, the floating IP and the alias where preferred', () => {
    const seed = cloudSeed(hz);
    expect(seed.networks).toEqual([{ id: 42, name: 'ipferry-mail-hz-42', ipRange: '10.42.0.0/16' }]);
    expect(seed.servers).toEqual([
      {
        id: 1001,
        name: 'mx1',
        location: 'fsn1',
        publicIpv4: '203.0.113.11',
        privateNets: [{ network: 42, ip: '10.42.0.11', aliasIps: [] }],
      },
      {
        id: 1002,
        name: 'mx2',
        location: 'nbg1',
        publicIpv4: '203.0.113.12',
        privateNets: [{ network: 42, ip: '10.42.0.12', aliasIps: ['10.42.0.25'] }],
      },
    ]);
    expect(seed.floatingIps).toEqual([
      { id: 424242, name: 'mx', ip: '198.51.100.80', homeLocation: 'fsn1', server: 1001 },
    ]);
    const emu = new HetznerCloudEmulator(seed);
    expect(emu.violations()).toEqual([]);
  });

  it('gives unpreferred VIPs no holder and nodes without an address on the network a free one', () => {
    const cfg = loadConfig({
      cluster: 'c',
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: [
        { id: 'a', interface: 'eth0', hetzner: { serverId: 1, location: 'hel1', networkId: 7 } },
        { id: 'b', interface: 'eth0', hetzner: { serverId: 2, location: 'hel1', networkId: 7 } },
      ],
      vips: [
        { name: 'f', kind: 'hetzner-floating-ip', address: '2001:db8:ff::1/64' },
        { name: 'al', kind: 'hetzner-alias-ip', address: '10.3.0.9/32' },
      ],
    });
    const seed = cloudSeed(cfg);
    expect(seed.networks).toEqual([{ id: 7, name: 'ipferry-c-7', ipRange: '10.3.0.0/16' }]);
    expect(seed.servers!.map((s) => s.privateNets)).toEqual([
      [{ network: 7, ip: '10.3.0.2', aliasIps: [] }],
      [{ network: 7, ip: '10.3.0.3', aliasIps: [] }],
    ]);
    expect(seed.floatingIps).toEqual([
      { id: 1000, name: 'f', ip: '2001:db8:ff::/64', homeLocation: 'hel1', server: null },
    ]);
    expect(() => new HetznerCloudEmulator(seed)).not.toThrow();
  });
});

describe('Robot seed from a config', () => {
  it('books the failover IP on, and routes it to, its preferred server', () => {
    const seed = robotSeed(hz);
    expect(seed.servers).toEqual([
      { number: 101, ip: '203.0.113.31', name: 'store1' },
      { number: 102, ip: '203.0.113.32', name: 'store2' },
    ]);
    expect(seed.failoverIps).toEqual([{ ip: '198.51.100.143', server: 101, activeServerIp: '203.0.113.31' }]);
    expect(() => new HetznerRobotEmulator(seed)).not.toThrow();
  });

  it('leaves a failover IP without a preference unrouted', () => {
    const cfg = loadConfig({
      cluster: 'c',
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: hz.nodes.filter((n) => n.hetzner?.robotServerIp),
      vips: [{ name: 'imap', kind: 'hetzner-robot-failover-ip', address: '198.51.100.143/32' }],
    });
    expect(robotSeed(cfg).failoverIps).toEqual([{ ip: '198.51.100.143', server: 101, activeServerIp: null }]);
  });
});
