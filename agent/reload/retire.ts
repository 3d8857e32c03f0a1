import type { HostNet } from '../../core/ports';
import type { Effects } from '../reconcile/effects';
import { interfacesOf, type ManagedVip } from '../reconcile/managed';
import { planRound } from '../reconcile/plan';
import type { HostState } from '../reconcile/state';
import { sameAddress } from '../reconcile/util';

/**
 * The reconciler's half of a reload: VIPs plumbed before and not after (removed from the config, or
 * given another address or interface) are released as any unassigned VIP is, down hooks included;
 * every other VIP keeps its address, its epoch and its record, so nothing is unbound or re-run.
 * Runs between rounds (the reconciler waits for the one under way). Returns the names released.
 */
export async function retire(o: {
  before: readonly ManagedVip[];
  after: readonly ManagedVip[];
  state: HostState;
  effects: Pick<Effects, 'apply'>;
  hostNet: Pick<HostNet, 'bound'>;
}): Promise<string[]> {
  const { state } = o;
  const gone = o.before.filter((m) => !o.after.some((n) => n.name === m.name && sameAddress(n, m)));
  if (gone.length === 0) return [];
  for (const m of gone) state.owned.delete(m.name);
  const bound = await o.hostNet.bound(interfacesOf(gone));
  const steps = planRound({ managed: gone, bound, owned: state.owned, applied: state.applied, controlLost: false });
  for (const step of steps) await o.effects.apply(step, false);
  for (const m of gone) for (const record of [state.bound, state.waiting, state.faults]) record.delete(m.name);
  return gone.map((m) => m.name);
}
