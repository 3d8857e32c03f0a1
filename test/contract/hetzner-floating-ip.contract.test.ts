import { providerContract } from './provider-contract';
import { cloudWorld, floatingHolder } from './hetzner-cloud-world';

/**
 * Floating IP 100 (198.18.9.1, home fsn1 in eu-central) between mx1 (fsn1), mx2 (nbg1) and mx3
 * (hel1); us1 (ash, us-east) is in another network zone, which floating IPs cannot cross.
 */
providerContract({
  name: 'hetzner-cloud (hetzner-floating-ip)',
  async make() {
    const w = await cloudWorld();
    return {
      provider: w.provider,
      vip: w.vip('vip-mail'),
      nodes: { a: w.node('mx1'), b: w.node('mx2'), d: w.node('mx3') },
      wrongPlace: w.node('us1'),
      changesPerMove: 1,
      holder: () => floatingHolder(w, 100),
      calls: () => w.admin.calls(),
      invariants: () => w.admin.invariants(),
      faults: { arm: (kind, count) => w.admin.arm(kind, count, 'assign_floating_ip') },
      setLag: (ms) => w.admin.settings({ consistencyLagMs: ms }),
      unknownVip: w.vip('vip-gone'),
      forbidden: () => w.providerWithToken('not-a-token'),
      close: () => w.emu.close(),
    };
  },
});

/** The same floating IP found by its address alone (no floatingIpId in the config). */
providerContract({
  name: 'hetzner-cloud (hetzner-floating-ip, found by address)',
  async make() {
    const w = await cloudWorld();
    return {
      provider: w.provider,
      vip: w.vip('vip-by-address'),
      nodes: { a: w.node('mx1'), b: w.node('mx2'), d: w.node('mx3') },
      wrongPlace: w.node('us1'),
      changesPerMove: 1,
      holder: () => floatingHolder(w, 103),
      calls: () => w.admin.calls(),
      invariants: () => w.admin.invariants(),
      faults: { arm: (kind, count) => w.admin.arm(kind, count, 'assign_floating_ip') },
      setLag: (ms) => w.admin.settings({ consistencyLagMs: ms }),
      unknownVip: w.vip('vip-gone'),
      forbidden: () => w.providerWithToken('not-a-token'),
      close: () => w.emu.close(),
    };
  },
});
