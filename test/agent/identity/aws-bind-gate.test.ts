import { afterEach, describe, expect, it } from 'vitest';
import { Imds } from '../../../agent/identity';
import { managedVips, SecondaryIpGate } from '../../../agent/reconcile';
import { startFakeImds, type FakeImds } from '../../helpers/imds-server';
import { config } from '../../helpers/configs';

/**
 * The bind gate of aws-secondary-ip VIPs on a dual-stack ENI, against a fake IMDSv2: an IPv4 VIP
 * waits for `local-ipv4s`, an IPv6 VIP for `ipv6s` (before #14 it was compared with local-ipv4s
 * and so never bound).
 */
const MAC = '0a:00:00:00:00:01';
let imds: FakeImds;
afterEach(() => imds?.close());

function vips() {
  const cfg = config({
    cluster: 'gate',
    control: { mode: 'aws', region: 'eu-central-1' },
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: [
      {
        id: 'a',
        interface: 'ens5',
        addresses: ['10.0.1.10'],
        aws: { eni: 'eni-0aaa1111bbbb2222c', subnetCidr: '10.0.1.0/24', subnetIpv6Cidr: '2001:db8:0:1::/64' },
      },
    ],
    vips: [
      { name: 'v4', kind: 'aws-secondary-ip', address: '10.0.1.100/24', preferred: 'a' },
      { name: 'v6', kind: 'aws-secondary-ip', address: '2001:db8:0:1::100/64', preferred: 'a' },
    ],
  });
  const { managed } = managedVips(cfg, cfg.nodes[0]!);
  return { v4: managed.find((m) => m.name === 'v4')!, v6: managed.find((m) => m.name === 'v6')! };
}

describe('SecondaryIpGate (EC2, IMDS)', () => {
  it('binds an IPv6 VIP once IMDS ipv6s lists it (in any spelling), and an IPv4 one once local-ipv4s does', async () => {
    imds = await startFakeImds({
      instanceId: 'i-0a',
      az: 'eu-central-1a',
      enis: [
        {
          mac: MAC,
          eni: 'eni-0aaa1111bbbb2222c',
          subnetId: 'subnet-a',
          subnetCidr: '10.0.1.0/24',
          localIpv4s: ['10.0.1.10'],
        },
      ],
    });
    const client = new Imds({ baseUrl: imds.url });
    let t = 0;
    const gate = new SecondaryIpGate({
      localIpv4s: () => client.localIpv4s(MAC),
      ipv6s: () => client.ipv6s(MAC),
      now: () => t,
      cacheMs: 0,
    });
    const { v4, v6 } = vips();
    expect(await gate.check(v6)).toEqual({
      ready: false,
      detail: 'EC2 has not assigned 2001:db8:0:1::100 to this ENI yet (IMDS ipv6s: none)',
    });
    expect(await gate.check(v4)).toMatchObject({ ready: false });
    // EC2 lists the address uncompressed; the config says it compressed.
    imds.state.enis[0]!.ipv6s = ['2001:0db8:0000:0001:0000:0000:0000:0100'];
    t += 1;
    expect(await gate.check(v6)).toEqual({ ready: true });
    expect(await gate.check(v4)).toMatchObject({
      ready: false,
      detail: expect.stringContaining('IMDS local-ipv4s: 10.0.1.10'),
    });
    imds.state.enis[0]!.localIpv4s.push('10.0.1.100');
    t += 1;
    expect(await gate.check(v4)).toEqual({ ready: true });
    expect(imds.requests.filter((r) => r.endsWith('/ipv6s'))).toHaveLength(2);
  });

  it('keeps an IPv6 VIP waiting, saying why, when no ipv6s source is wired or IMDS fails', async () => {
    const { v6 } = vips();
    const none = new SecondaryIpGate({ localIpv4s: async () => ['2001:db8:0:1::100'], now: () => 0 });
    expect(await none.check(v6)).toEqual({
      ready: false,
      detail: 'no IMDS ipv6s source was given to the bind gate, so 2001:db8:0:1::100 cannot be confirmed',
    });
    const failing = new SecondaryIpGate({
      localIpv4s: async () => [],
      ipv6s: () => Promise.reject(new Error('HTTP 500')),
      now: () => 0,
    });
    expect(await failing.check(v6)).toEqual({ ready: false, detail: 'cannot read ipv6s from IMDS: HTTP 500' });
  });
});
