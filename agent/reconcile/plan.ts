import type { ManagedVip } from './managed';

/**
 * What one round does for one VIP. `bind`/`unbind` change the host; `adopt` takes over an address
 * found bound that this node now owns; `retag` records a newer epoch for an address still bound;
 * `forget` drops the record of an address that vanished when it was no longer wanted anyway.
 */
export type Step =
  | { kind: 'bind'; vip: ManagedVip; epoch: number; vanished: boolean }
  | { kind: 'unbind'; vip: ManagedVip; why: 'not-assigned' | 'control-loss' }
  | { kind: 'adopt'; vip: ManagedVip; epoch: number }
  | { kind: 'retag'; vip: ManagedVip; epoch: number; from: number }
  | { kind: 'forget'; vip: ManagedVip };

export interface PlanInput {
  managed: readonly ManagedVip[];
  /** Addresses (canonical text) the host carries on the managed interfaces right now. */
  bound: ReadonlySet<string>;
  /** What this node owns, by VIP name, with epochs (fenced answers already filtered). */
  owned: ReadonlyMap<string, number>;
  /** Epochs of what this agent has plumbed, by VIP name. */
  applied: ReadonlyMap<string, number>;
  /** The control plane has been out of reach for longer than deadAfter. */
  controlLost: boolean;
}

/**
 * Compare and fix, vip-manager style: desired (owned, minus `release` VIPs while the control
 * plane is lost) against what the host has. Pure, so every case is a table row in the tests.
 */
export function planRound(input: PlanInput): Step[] {
  const steps: Step[] = [];
  for (const vip of input.managed) {
    const epoch = input.owned.get(vip.name);
    const released = input.controlLost && vip.vip.onControlLoss === 'release';
    const wanted = epoch !== undefined && !released;
    const isBound = input.bound.has(vip.addr.address);
    const applied = input.applied.get(vip.name);
    if (wanted && !isBound) steps.push({ kind: 'bind', vip, epoch, vanished: applied !== undefined });
    else if (wanted && applied === undefined) steps.push({ kind: 'adopt', vip, epoch });
    else if (wanted && applied !== epoch) steps.push({ kind: 'retag', vip, epoch, from: applied! });
    else if (!wanted && isBound)
      steps.push({ kind: 'unbind', vip, why: epoch !== undefined ? 'control-loss' : 'not-assigned' });
    else if (!wanted && applied !== undefined) steps.push({ kind: 'forget', vip });
  }
  return steps;
}
