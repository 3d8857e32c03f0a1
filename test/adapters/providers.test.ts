import { describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { HetznerCloudProvider } from '../../adapters/hetzner/cloud';
import { HetznerRobotProvider } from '../../adapters/hetzner/robot';
import { PROVIDER_FACTORIES, ProviderSetupError, buildProviders, type ProviderFactory } from '../../adapters/providers';
import type { Provider } from '../../core/ports';
import { config } from '../helpers/configs';

const base = { cluster: 'reg', security: { psk: 'registry-psk-0123456789' } };

const mixed = config({
  ...base,
  nodes: [
    { id: 'mx1', interface: 'eth0', hetzner: { serverId: 1, networkId: 10, robotServerIp: '198.18.3.1' } },
    { id: 'mx2', interface: 'eth0', hetzner: { serverId: 2, networkId: 10, robotServerIp: '198.18.3.2' } },
  ],
  vips: [
    { name: 'lan-vip', address: '198.18.0.50/24' },
    { name: 'fip', address: '198.18.9.1/32', kind: 'hetzner-floating-ip' },
    { name: 'alias', address: '10.0.1.50/32', kind: 'hetzner-alias-ip' },
    { name: 'failover', address: '198.18.8.1/32', kind: 'hetzner-robot-failover-ip' },
  ],
});

const credentials = {
  hetznerCloud: { token: 't', baseUrl: 'http://127.0.0.1:9' },
  hetznerRobot: { user: 'u', password: 'p', baseUrl: 'http://127.0.0.1:9' },
};

describe('buildProviders', () => {
  it('builds one provider per family present, shared by the kinds of that family', () => {
    const providers = buildProviders({ config: mixed, credentials });
    expect([...providers.keys()].sort()).toEqual([
      'hetzner-alias-ip',
      'hetzner-floating-ip',
      'hetzner-robot-failover-ip',
      'lan',
    ]);
    expect(providers.get('lan')).toBeInstanceOf(BareMetalProvider);
    expect(providers.get('hetzner-floating-ip')).toBeInstanceOf(HetznerCloudProvider);
    expect(providers.get('hetzner-alias-ip')).toBe(providers.get('hetzner-floating-ip'));
    expect(providers.get('hetzner-robot-failover-ip')).toBeInstanceOf(HetznerRobotProvider);
  });

  it('names the missing credentials and the VIPs that need them', () => {
    expect(() => buildProviders({ config: mixed, credentials: { hetznerRobot: credentials.hetznerRobot } })).toThrow(
      ProviderSetupError,
    );
    expect(() => buildProviders({ config: mixed, credentials: { hetznerRobot: credentials.hetznerRobot } })).toThrow(
      /hetzner-floating-ip, hetzner-alias-ip \(fip, alias\) need a Hetzner Cloud API token/,
    );
  });

  it('a config with only LAN VIPs needs no credentials at all', () => {
    const lanOnly = config({
      ...base,
      nodes: [{ id: 'n1', interface: 'eth0' }],
      vips: [{ address: '198.18.0.50/24' }],
    });
    expect([...buildProviders({ config: lanOnly, credentials: {} }).keys()]).toEqual(['lan']);
  });

  it('says plainly when a kind has no adapter in this build, and takes one plugged into its family', () => {
    const aws = config({
      ...base,
      nodes: [{ id: 'a1', interface: 'eth0', aws: { eni: 'eni-0123456789abcdef0' } }],
      vips: [
        { name: 'eip', address: '198.18.7.1/32', kind: 'aws-elastic-ip', aws: { allocationId: 'eipalloc-0123abcd' } },
      ],
    });
    const without = { ...PROVIDER_FACTORIES, 'aws-ec2': undefined };
    expect(() => buildProviders({ config: aws, credentials: {} }, without)).toThrow(
      /aws-elastic-ip \(eip\) need the aws-ec2 provider adapter/,
    );
    const stub: Provider = {
      name: 'stub-ec2',
      kinds: ['aws-elastic-ip'],
      observe: async () => new Map(),
      move: async () => ({ ok: true, changed: false, calls: 0, verifiedAt: 0 }),
      budget: () => ({ remaining: null, limit: null, resetAt: null }),
    };
    const factory: ProviderFactory = (_env, vips) => (expect(vips.map((v) => v.name)).toEqual(['eip']), stub);
    expect(
      buildProviders({ config: aws, credentials: {} }, { ...PROVIDER_FACTORIES, 'aws-ec2': factory }).get(
        'aws-elastic-ip',
      ),
    ).toBe(stub);
  });

  it('refuses a factory whose provider does not serve the kind it was built for', () => {
    const liar: ProviderFactory = () => new BareMetalProvider();
    expect(() =>
      buildProviders({ config: mixed, credentials }, { ...PROVIDER_FACTORIES, 'hetzner-robot': liar }),
    ).toThrow(/does not serve kind hetzner-robot-failover-ip/);
  });
});
