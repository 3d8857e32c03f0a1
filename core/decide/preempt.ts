import { formatDuration, humanDuration } from '../duration';
import { standing } from './model';
import { placeAlone, placementSet, seat } from './place';
import type { Plan } from './plan';

/**
 * A VIP moves up its order of succession once a better-placed node has been healthy for
 * preemptDelay (seed 003: "if server #1 is up, it will get the carp back"): to the best-placed
 * such node, so with `preferred: [n1, n2]` a VIP on n3 goes to n2 when n2 is back and steady even
 * while n1 is still settling, and on to n1 later, as keepalived's priorities do. Manual pins and
 * the flap budget hold it back; VIPs already moved by this decision are left alone.
 */
export function preempt(plan: Plan): void {
  const { model, situation, now } = plan;
  const delay = model.config.timers.preemptDelay;
  for (const group of model.groups) {
    const leader = group[0]!;
    const vip = model.vips[leader]!;
    const owner = plan.next[leader]!;
    if (!vip.preempt || owner < 0 || model.orderOf[leader]!.length === 0) continue;
    if (owner !== plan.current[leader] || plan.pinned(leader)) continue;
    const above = model.orderOf[leader]!.slice(0, standing(model, leader, owner));
    if (above.length === 0) continue;
    const set = placementSet(plan, group);
    const cls = model.classOf[leader]!;
    const target = above.find((n) => set.includes(n) && now - situation.healthySince(n, cls) >= delay);
    if (target === undefined) continue;
    const targetId = model.nodes[target]!.id;
    if (!plan.withinBudget(leader)) {
      const { moves, window } = model.config.timers.flapBudget;
      const detail = `would go home to ${targetId}, but it moved ${plan.pastMoves(leader)} times in ${formatDuration(window)} (budget ${moves})`;
      plan.reasons[leader] = { code: 'flap-budget', detail };
      plan.diagnostics.push({ kind: 'flap-budget', vip: vip.name, message: detail });
      continue;
    }
    const loose: number[] = [];
    const place =
      target === model.preferredOf[leader] ? 'preferred' : `#${standing(model, leader, target) + 1} in preferred`;
    const detail = `${targetId} (${place}) healthy for ${humanDuration(now - situation.healthySince(target, cls))} ≥ preemptDelay ${formatDuration(delay)}`;
    seat(plan, group, target, { code: 'preempt', detail }, loose);
    for (const f of loose) placeAlone(plan, f);
  }
}
