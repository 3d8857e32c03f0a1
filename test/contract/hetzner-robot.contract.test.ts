import { providerContract } from './provider-contract';
import { robotWorld } from './hetzner-robot-world';

/** Failover IP 198.18.8.1 between db1, db2 and db3; db3v6 names an IPv6 net, the wrong family. */
providerContract({
  name: 'hetzner-robot (hetzner-robot-failover-ip)',
  async make() {
    const w = await robotWorld({ switchesPerHour: 3600 });
    return {
      provider: w.provider,
      vip: w.vip('vip-db'),
      nodes: { a: w.node('db1'), b: w.node('db2'), d: w.node('db3') },
      wrongPlace: w.node('db3v6'),
      changesPerMove: 1,
      holder: () => w.holder('198.18.8.1'),
      calls: () => w.admin.calls(),
      invariants: () => w.admin.invariants(),
      faults: { arm: (kind, count) => w.admin.arm(kind, count, 'route_failover') },
      setLag: (ms) => w.admin.settings({ consistencyLagMs: ms }),
      unknownVip: w.vip('vip-gone'),
      forbidden: () => w.providerWithPassword('wrong-password'),
      close: () => w.emu.close(),
    };
  },
});
