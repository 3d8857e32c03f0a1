import { describe, expect, it } from 'vitest';
import { managedVips, openGate, SecondaryIpGate } from '../../../agent/reconcile';
import { config } from '../../helpers/configs';

/**
 * What the agent binds for a Hetzner IPv6 floating IP and whether a gate holds it back: the host
 * address inside the /64 (2001:db8:ff::1/64, as Hetzner's docs configure it), never the /64's
 * network address, and at once, because the control plane has verified the assign before it
 * answers. The EC2 gate, which an agent on EC2 uses, lets Hetzner kinds through without a read.
 */
function managed() {
  const cfg = config({
    cluster: 'gate',
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: [{ id: 'mx1', interface: 'eth0', addresses: ['198.18.1.1'], hetzner: { serverId: 1, location: 'fsn1' } }],
    vips: [
      { name: 'v6', kind: 'hetzner-floating-ip', address: '2001:db8:ff::1/64', preferred: 'mx1' },
      { name: 'v4', kind: 'hetzner-floating-ip', address: '198.18.9.1/32', preferred: 'mx1' },
    ],
  });
  return managedVips(cfg, cfg.nodes[0]!);
}

describe('Hetzner floating IPs at the bind gate', () => {
  it('binds the IPv6 VIP as the host address in its /64 on the node interface', () => {
    const { managed: vips, skipped } = managed();
    expect(skipped).toEqual([]);
    expect(vips.find((m) => m.name === 'v6')!.addr).toEqual({
      address: '2001:db8:ff::1',
      prefixLength: 64,
      family: 6,
      interface: 'eth0',
    });
    expect(vips.find((m) => m.name === 'v4')!.addr).toEqual({
      address: '198.18.9.1',
      prefixLength: 32,
      family: 4,
      interface: 'eth0',
    });
  });

  it('no gate holds a Hetzner floating IP back, and none reads anything for it', async () => {
    const reads: string[] = [];
    const ec2Gate = new SecondaryIpGate({
      localIpv4s: async () => (reads.push('local-ipv4s'), []),
      ipv6s: async () => (reads.push('ipv6s'), []),
      now: () => 0,
    });
    for (const m of managed().managed) {
      expect(await openGate.check(m)).toEqual({ ready: true });
      expect(await ec2Gate.check(m)).toEqual({ ready: true });
    }
    expect(reads).toEqual([]);
  });
});
