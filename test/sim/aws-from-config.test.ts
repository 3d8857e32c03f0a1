import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';
import { Ec2Emulator, SeedError } from '../../sim/aws-ec2';
import { coveringCidr, seedFromConfig as ec2Seed } from '../../sim/aws-ec2/from-config';
import { Route53Emulator, Route53SeedError } from '../../sim/aws-route53';
import { seedFromConfig as route53Seed, zoneNameOf } from '../../sim/aws-route53/from-config';
import { example } from '../helpers/configs';

const aws = example('aws/ipferry.yaml');
const base = { cluster: 'c', security: { psk: 'test-psk-0123456789abcdef' } };

describe('EC2 seed from a config', () => {
  it('builds the example mail cluster: subnets in one VPC, instances, VIPs on their preferred nodes', () => {
    const seed = ec2Seed(aws);
    expect(seed.vpcs).toEqual([{ id: 'vpc-0000000000000f001', cidr: '10.20.0.0/16' }]);
    expect(seed.subnets.map((s) => [s.id, s.cidr, s.az])).toEqual([
      ['subnet-000000000000a0001', '10.20.1.0/24', 'eu-central-1a'],
      ['subnet-000000000000b0001', '10.20.2.0/24', 'eu-central-1b'],
    ]);
    expect(seed.instances!.map((i) => [i.id, i.networkInterfaceId, i.privateIp, i.secondaryIps])).toEqual([
      ['i-0000000000000a001', 'eni-0000000000000e001', '10.20.1.11', ['10.20.1.100']],
      ['i-0000000000000a002', 'eni-0000000000000e002', '10.20.1.12', []],
      ['i-0000000000000a003', 'eni-0000000000000e003', '10.20.2.11', ['10.20.2.100']],
    ]);
    expect(seed.elasticIps).toEqual([
      {
        allocationId: 'eipalloc-0000000000000c001',
        publicIp: '198.51.100.25',
        networkInterfaceId: 'eni-0000000000000e001',
        privateIp: '10.20.1.11',
        tags: { Name: 'mx' },
      },
    ]);
    expect(seed.routeTables!.map((t) => [t.id, t.main, t.routes])).toEqual([
      ['rtb-0000000000000d001', true, [{ destination: '10.255.0.25/32', networkInterfaceId: 'eni-0000000000000e002' }]],
      [
        'rtb-0000000000000d002',
        false,
        [{ destination: '10.255.0.25/32', networkInterfaceId: 'eni-0000000000000e002' }],
      ],
    ]);
    const emu = new Ec2Emulator({ seed });
    expect(emu.holderOfPrivateIp('10.20.2.100')).toBe('eni-0000000000000e003');
    expect(emu.violations()).toEqual([]);
  });

  it('leaves VIPs without a preference unassigned, and derives what the config leaves out, the same way every time', () => {
    const cfg = loadConfig({
      ...base,
      control: { mode: 'local', liveness: 'direct' },
      nodes: [
        { id: 'n1', interface: 'eth0', aws: { eni: 'eni-0000000000000aaa1', subnetCidr: '10.5.0.0/24' } },
        { id: 'n2', interface: 'eth0', aws: { eni: 'eni-0000000000000aaa2', subnetCidr: '10.5.0.0/24' } },
        {
          id: 'v6',
          interface: 'eth0',
          aws: { eni: 'eni-0000000000000aaa3', subnetCidr: '2001:db8:5::/64', privateIp: '10.6.0.20' },
        },
        {
          id: 'ds',
          interface: 'eth0',
          aws: {
            eni: 'eni-0000000000000aaa4',
            subnetId: 'subnet-0000000000000dd01',
            subnetCidr: '10.7.0.0/24',
            subnetIpv6Cidr: '2001:db8:7::/64',
          },
        },
      ],
      vips: [
        { name: 'free', kind: 'aws-secondary-ip', address: '10.5.0.4/24' },
        { name: 'six', kind: 'aws-secondary-ip', address: '2001:db8:5::100/64', preferred: 'v6' },
      ],
    });
    const seed = ec2Seed(cfg);
    expect(seed).toEqual(ec2Seed(cfg));
    expect(seed.subnets.map((s) => [s.id, s.cidr, s.ipv6Cidr])).toEqual([
      ['subnet-00000000000000001', '10.5.0.0/24', undefined],
      ['subnet-00000000000000002', '10.6.0.0/24', '2001:db8:5::/64'],
      // Dual stack: both blocks, as the node gives them.
      ['subnet-0000000000000dd01', '10.7.0.0/24', '2001:db8:7::/64'],
    ]);
    // Generated primaries skip AWS's reserved addresses and every VIP (10.5.0.4 is one).
    expect(seed.instances!.map((i) => [i.id, i.privateIp, i.secondaryIps, i.ipv6])).toEqual([
      ['i-00000000000000001', '10.5.0.5', [], []],
      ['i-00000000000000002', '10.5.0.6', [], []],
      ['i-00000000000000003', '10.6.0.20', [], ['2001:db8:5::100']],
      ['i-00000000000000004', '10.7.0.4', [], []],
    ]);
    expect(() => new Ec2Emulator({ seed })).not.toThrow();
  });

  it('picks the smallest documented instance type whose interface holds every secondary VIP of its subnet', () => {
    const vips = Array.from({ length: 12 }, (_, i) => ({
      name: `v${i}`,
      kind: 'aws-secondary-ip',
      address: `10.7.0.${100 + i}/24`,
      preferred: 'n1',
    }));
    const cfg = loadConfig({
      ...base,
      nodes: [{ id: 'n1', interface: 'eth0', aws: { eni: 'eni-0000000000000bbb1', subnetCidr: '10.7.0.0/24' } }],
      vips,
    });
    const seed = ec2Seed(cfg);
    // 13 addresses: m5.large holds 10, t3.large 12, so the next is a 15-address type.
    expect(seed.instances![0]!.instanceType).toBe('t3.xlarge');
    const emu = new Ec2Emulator({ seed });
    expect(emu.state.enis['eni-0000000000000bbb1']!.maxIpv4).toBe(15);
    expect(emu.state.enis['eni-0000000000000bbb1']!.secondaryIps).toHaveLength(12);
  });

  it('refuses more secondary VIPs in a subnet than any instance type holds on one interface (50)', () => {
    const vips = Array.from({ length: 50 }, (_, i) => ({
      name: `v${i}`,
      kind: 'aws-secondary-ip',
      address: `10.7.0.${100 + i}/24`,
    }));
    const cfg = loadConfig({
      ...base,
      nodes: [{ id: 'n1', interface: 'eth0', aws: { eni: 'eni-0000000000000bbb1', subnetCidr: '10.7.0.0/24' } }],
      vips,
    });
    expect(() => ec2Seed(cfg)).toThrow(/50 secondary VIPs in 10\.7\.0\.0\/24 exceed every instance type's limit/);
  });

  it('turns source/destination checking on unless told which nodes have it off, and seeds the launch public address', () => {
    const cfg = loadConfig({
      ...base,
      nodes: [
        {
          id: 'n1',
          interface: 'eth0',
          aws: { eni: 'eni-0000000000000bbb1', subnetCidr: '10.7.0.0/24', publicIp: '203.0.113.41' },
        },
        { id: 'n2', interface: 'eth0', aws: { eni: 'eni-0000000000000bbb2', subnetCidr: '10.7.0.0/24' } },
      ],
    });
    const on = new Ec2Emulator({ seed: ec2Seed(cfg) }).state.enis;
    expect([on['eni-0000000000000bbb1']!.sourceDestCheck, on['eni-0000000000000bbb2']!.sourceDestCheck]).toEqual([
      true,
      true,
    ]);
    expect([on['eni-0000000000000bbb1']!.publicIp, on['eni-0000000000000bbb2']!.publicIp]).toEqual([
      '203.0.113.41',
      undefined,
    ]);
    const off = new Ec2Emulator({ seed: ec2Seed(cfg, { sourceDestCheckOff: ['n2'] }) }).state.enis;
    expect([off['eni-0000000000000bbb1']!.sourceDestCheck, off['eni-0000000000000bbb2']!.sourceDestCheck]).toEqual([
      true,
      false,
    ]);
  });

  it('refuses one subnet id given two CIDRs, naming both', () => {
    const cfg = loadConfig({
      ...base,
      nodes: [
        {
          id: 'n1',
          interface: 'eth0',
          aws: { eni: 'eni-0000000000000ccc1', subnetId: 'subnet-0000000000000001', subnetCidr: '10.8.0.0/24' },
        },
        {
          id: 'n2',
          interface: 'eth0',
          aws: { eni: 'eni-0000000000000ccc2', subnetId: 'subnet-0000000000000001', subnetCidr: '10.9.0.0/24' },
        },
      ],
    });
    expect(() => ec2Seed(cfg)).toThrow(SeedError);
    expect(() => ec2Seed(cfg)).toThrow(
      /subnet-0000000000000001 is given as 10\.8\.0\.0\/24 and as 10\.9\.0\.0\/24 \(node n2\)/,
    );
  });

  it('covers subnets with a /16 when one is enough, and a wider block when not', () => {
    expect(coveringCidr(['10.0.1.0/24', '10.0.2.0/24'])).toBe('10.0.0.0/16');
    expect(coveringCidr(['10.0.1.0/24', '10.3.0.0/24'])).toBe('10.0.0.0/14');
    expect(coveringCidr([])).toBe('10.0.0.0/16');
  });
});

describe('Route 53 seed from a config', () => {
  it('builds the example zones: the round-robin set and the owner record as a running cluster shows them', () => {
    const seed = route53Seed(aws);
    expect(seed.zones).toEqual([
      {
        id: 'Z00000000EXAMPLE2',
        name: 'example.net',
        comment: 'ipferry sim: mail-eu',
        records: [{ name: 'webmail.example.net', type: 'A', ttl: 60, values: ['203.0.113.12'] }],
      },
      {
        id: 'Z00000000EXAMPLE1',
        name: 'internal.example.net',
        comment: 'ipferry sim: mail-eu',
        records: [
          {
            name: 'smtp.internal.example.net',
            type: 'A',
            ttl: 30,
            values: ['10.20.1.100', '10.20.2.100', '10.255.0.25'],
          },
        ],
      },
    ]);
    const emu = new Route53Emulator({ seed });
    expect(emu.dnsAnswer('smtp.internal.example.net', 'A')).toEqual(['10.20.1.100', '10.20.2.100', '10.255.0.25']);
  });

  it('writes no record for VIPs without a preference, and refuses a zone id Route 53 would not have', () => {
    const cfg = loadConfig({
      ...base,
      nodes: [{ id: 'n1', interface: 'eth0', addresses: ['198.18.0.1'] }],
      vips: [
        { name: 'www', kind: 'aws-route53', aws: { hostedZoneId: '/hostedzone/ZABC', recordName: 'www.example.org.' } },
      ],
    });
    expect(route53Seed(cfg).zones).toEqual([
      { id: 'ZABC', name: 'example.org', comment: 'ipferry sim: c', records: [] },
    ]);
    const bad = loadConfig({
      ...cfg,
      vips: [{ name: 'www', kind: 'aws-route53', aws: { hostedZoneId: 'zone-1', recordName: 'www.example.org' } }],
      security: base.security,
      nodes: [{ id: 'n1', interface: 'eth0', addresses: ['198.18.0.1'] }],
    });
    expect(() => route53Seed(bad)).toThrow(Route53SeedError);
  });

  it('names a zone after what its records share', () => {
    expect(zoneNameOf(['webmail.example.net'])).toBe('example.net');
    expect(zoneNameOf(['example.net'])).toBe('example.net');
    expect(zoneNameOf(['a.example.com', 'b.example.com'])).toBe('example.com');
    expect(zoneNameOf(['smtp.internal.example.net', 'webmail.example.net'])).toBe('example.net');
  });
});
