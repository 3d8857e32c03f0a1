import { providerContract } from './provider-contract';
import { cloudWorld, floatingHolder } from './hetzner-cloud-world';

/**
 * Floating IP 100 (198.18.9.1, home fsn1 in eu-central) between mx1 (fsn1), mx2 (nbg1) and mx3
 * (hel1); us1 (ash, us-east) is in another network zone, which floating IPs cannot cross.
 */
floatingContract('hetzner-cloud (hetzner-floating-ip)', 'vip-mail', 100);

/** The same kind of floating IP found by its address alone (no floatingIpId in the config). */
floatingContract('hetzner-cloud (hetzner-floating-ip, found by address)', 'vip-by-address', 103);

function floatingContract(name: string, vip: string, floatingIpId: number): void {
  providerContract({
    name,
    async make() {
      const w = await cloudWorld();
      return {
        provider: w.provider,
        vip: w.vip(vip),
        nodes: { a: w.node('mx1'), b: w.node('mx2'), d: w.node('mx3') },
        wrongPlace: w.node('us1'),
        changesPerMove: 1,
        holder: () => floatingHolder(w, floatingIpId),
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
}
