import type { Vip } from '../../core/config';
import type { Ec2World } from '../adapters/aws/ec2/fixtures';
import { EmulatorAdmin } from './emulator-admin';
import type { ContractHarness } from './provider-contract';

/** The contract harness of an EC2 world, shared by the fast- and real-profile contract files. */
const nodeOfEni = (w: Ec2World, eni: string | undefined): string | null =>
  eni === undefined ? null : (w.cfg.nodes.find((n) => n.aws?.eni === eni)?.id ?? `foreign:${eni}`);

export function ec2Harness(
  w: Ec2World,
  vip: Vip,
  mutating: string,
  holder: () => string | undefined,
  extra: Partial<ContractHarness>,
): ContractHarness {
  const admin = new EmulatorAdmin(w.emu.url);
  return {
    provider: w.provider,
    vip,
    nodes: { a: w.node('a'), b: w.node('b'), d: w.node('d') },
    changesPerMove: 1,
    holder: async () => nodeOfEni(w, holder()),
    calls: () => admin.calls(),
    invariants: () => admin.invariants(),
    faults: { arm: (kind, count) => admin.arm(kind, count, mutating) },
    setLag: (ms) => admin.settings({ consistencyLagMs: ms }),
    forbidden: () => {
      w.emu.denyRules.push({ action: mutating });
      return w.provider;
    },
    close: () => w.close(),
    ...extra,
  };
}
