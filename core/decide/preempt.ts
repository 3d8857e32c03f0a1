import { formatDuration, humanDuration } from '../duration';
import { placeAlone, placementSet, seat } from './place';
import type { Plan } from './plan';

/**
 * A VIP goes back to its preferred node once that node has been healthy for preemptDelay
 * (seed 003: "if server #1 is up, it will get the carp back"). Manual pins and the flap budget
 * hold it back; VIPs already moved by this decision are left alone.
 */
export function preempt(plan: Plan): void {
  const { model, situation, now } = plan;
  const delay = model.config.timers.preemptDelay;
  for (const group of model.groups) {
    const leader = group[0]!;
    const vip = model.vips[leader]!;
    const pref = model.preferredOf[leader]!;
    const owner = plan.next[leader]!;
    if (pref < 0 || !vip.preempt || owner === pref || owner < 0) continue;
    if (owner !== plan.current[leader] || plan.pinned(leader)) continue;
    if (!placementSet(plan, group).includes(pref)) continue;
    const prefId = model.nodes[pref]!.id;
    const healthyFor = now - situation.healthySince(pref, model.classOf[leader]!);
    if (healthyFor < delay) continue;
    if (!plan.withinBudget(leader)) {
      const { moves, window } = model.config.timers.flapBudget;
      const detail = `would go home to ${prefId}, but it moved ${plan.pastMoves(leader)} times in ${formatDuration(window)} (budget ${moves})`;
      plan.reasons[leader] = { code: 'flap-budget', detail };
      plan.diagnostics.push({ kind: 'flap-budget', vip: vip.name, message: detail });
      continue;
    }
    const loose: number[] = [];
    const detail = `${prefId} (preferred) healthy for ${humanDuration(healthyFor)} ≥ preemptDelay ${formatDuration(delay)}`;
    seat(plan, group, pref, { code: 'preempt', detail }, loose);
    for (const f of loose) placeAlone(plan, f);
  }
}
