import { providerContract } from './provider-contract';
import { aliasHolder, cloudWorld } from './hetzner-cloud-world';

/**
 * Alias IP 10.0.1.50 on network 10 between mx1, mx2 and mx3 (each also carries other aliases the
 * moves must keep); us1 is not attached to network 10. A move is two writes: remove, then add.
 */
providerContract({
  name: 'hetzner-cloud (hetzner-alias-ip)',
  async make() {
    const w = await cloudWorld();
    return {
      provider: w.provider,
      vip: w.vip('vip-alias'),
      nodes: { a: w.node('mx1'), b: w.node('mx2'), d: w.node('mx3') },
      wrongPlace: w.node('us1'),
      changesPerMove: 2,
      holder: () => aliasHolder(w, 10, '10.0.1.50'),
      calls: () => w.admin.calls(),
      invariants: () => w.admin.invariants(),
      faults: { arm: (kind, count) => w.admin.arm(kind, count, 'change_alias_ips') },
      setLag: (ms) => w.admin.settings({ consistencyLagMs: ms }),
      unknownVip: w.vip('vip-alias-gone'),
      forbidden: () => w.providerWithToken('not-a-token'),
      close: () => w.emu.close(),
    };
  },
});
