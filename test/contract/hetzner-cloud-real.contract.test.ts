import { scaledClock } from '../../sim/common/profile';
import { providerContract, type ContractHarness } from './provider-contract';
import { aliasHolder, cloudWorld, floatingHolder, type CloudWorld } from './hetzner-cloud-world';

/**
 * The Hetzner Cloud adapter's contract against the emulator's REAL profile: actions run 3 s, the
 * project has 3600 requests an hour, the provider polls at its production pace (actions every
 * 500 ms, read-backs from 200 ms). Time runs SCALE times faster on one clock shared by emulator,
 * client, provider and the contract's deadlines, so a 3 s action takes 300 wall ms and every rule
 * holds. Moves get the provider's own deadline (30 s floating, 45 s alias); the deadline that
 * cannot be met is 1 s, shorter than one action. Wall overheads (HTTP on loopback, timers) count
 * SCALE times on this clock, hence the slack past that deadline.
 */
const SCALE = 10;

function harness(
  w: CloudWorld,
  rest: Omit<
    ContractHarness,
    'provider' | 'nodes' | 'calls' | 'invariants' | 'setLag' | 'forbidden' | 'close' | 'clock'
  >,
  clock: ContractHarness['clock'],
): ContractHarness {
  return {
    ...rest,
    provider: w.provider,
    nodes: { a: w.node('mx1'), b: w.node('mx2'), d: w.node('mx3') },
    wrongPlace: w.node('us1'),
    calls: () => w.admin.calls(),
    invariants: () => w.admin.invariants(),
    setLag: (ms) => w.admin.settings({ consistencyLagMs: ms }),
    forbidden: () => w.providerWithToken('not-a-token'),
    close: () => w.emu.close(),
    ...(clock ? { clock } : {}),
  };
}

providerContract({
  name: `hetzner-cloud (hetzner-floating-ip), real profile at time x${SCALE}`,
  timing: { moveMs: 30_000, shortMs: 1000, slackMs: 1500 * SCALE },
  async make() {
    const clock = scaledClock(SCALE);
    const w = await cloudWorld(undefined, { clock });
    return harness(
      w,
      {
        vip: w.vip('vip-mail'),
        changesPerMove: 1,
        holder: () => floatingHolder(w, 100),
        faults: { arm: (kind, count) => w.admin.arm(kind, count, 'assign_floating_ip') },
        unknownVip: w.vip('vip-gone'),
      },
      clock,
    );
  },
});

providerContract({
  name: `hetzner-cloud (hetzner-alias-ip), real profile at time x${SCALE}`,
  timing: { moveMs: 45_000, shortMs: 1000, slackMs: 1500 * SCALE },
  async make() {
    const clock = scaledClock(SCALE);
    const w = await cloudWorld(undefined, { clock });
    return harness(
      w,
      {
        vip: w.vip('vip-alias'),
        changesPerMove: 2,
        holder: () => aliasHolder(w, 10, '10.0.1.50'),
        faults: { arm: (kind, count) => w.admin.arm(kind, count, 'change_alias_ips') },
        unknownVip: w.vip('vip-alias-gone'),
      },
      clock,
    );
  },
});
