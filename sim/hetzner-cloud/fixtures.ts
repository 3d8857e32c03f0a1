import type { CloudSeed } from './seed';

/**
 * A small project used by tests and the demo: one network in eu-central, two servers in it
 * (fsn1, nbg1), one in us-east (ash), an IPv4 and an IPv6 floating IP homed in fsn1 and one in
 * ash. Addresses are in the benchmarking range 198.18.0.0/15 and the documentation range.
 */
export function demoCloudSeed(overrides: Partial<CloudSeed> = {}): CloudSeed {
  return {
    tokens: ['test-token'],
    networks: [
      {
        id: 10,
        name: 'ha-net',
        ipRange: '10.0.0.0/16',
        subnets: [{ ipRange: '10.0.1.0/24', networkZone: 'eu-central' }],
      },
    ],
    servers: [
      {
        id: 1,
        name: 'mx1',
        location: 'fsn1',
        publicIpv4: '198.18.1.1',
        publicIpv6: '2001:db8:1::/64',
        privateNets: [{ network: 10, ip: '10.0.1.2' }],
      },
      {
        id: 2,
        name: 'mx2',
        location: 'nbg1',
        publicIpv4: '198.18.1.2',
        publicIpv6: '2001:db8:2::/64',
        privateNets: [{ network: 10, ip: '10.0.1.3' }],
      },
      { id: 3, name: 'us1', location: 'ash', publicIpv4: '198.18.2.1' },
    ],
    floatingIps: [
      { id: 100, name: 'vip-mail', ip: '198.18.9.1', homeLocation: 'fsn1', server: 1 },
      { id: 101, name: 'vip-mail-v6', ip: '2001:db8:ff::/64', homeLocation: 'fsn1', server: null },
      { id: 102, name: 'vip-us', ip: '198.18.9.2', homeLocation: 'ash', server: 3 },
    ],
    actionDurationMs: 200,
    ...overrides,
  };
}
