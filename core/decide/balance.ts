import { firstListed, rank, standing } from './model';
import { placeAlone, placementSet, seat } from './place';
import type { Plan } from './plan';

interface Candidate {
  group: number[];
  to: number;
  home: boolean;
}

/**
 * Spreads VIPs over healthy nodes to within ±1 (Wackamole), so three deaths in a ring of five
 * leave 5/5, never 8/2 (seed 001's domino). It runs only when the cluster has been quiet for
 * minHold (no owner changed, nothing else moving in this decision) and makes at most
 * rebalanceCap moves, preferring moves that bring a VIP home (up its order of succession). A VIP
 * is never moved down its order, nor off its preferred node: balance never fights preemption.
 */
export function rebalance(plan: Plan): void {
  const { model, now } = plan;
  const { minHold, rebalanceCap } = model.config.timers;
  if (rebalanceCap <= 0 || plan.changedAny()) return;
  for (const a of plan.assignments) if (a && now - a.since < minHold) return;

  for (let k = 0; k < rebalanceCap; k++) {
    const move = findMove(plan);
    if (!move) return;
    const leader = move.group[0]!;
    const from = plan.next[leader]!;
    const detail = `${model.nodes[from]!.id} holds ${plan.load[from]} VIPs, ${model.nodes[move.to]!.id} holds ${plan.load[move.to]}${move.home ? ' (and is its preferred node)' : ''}`;
    const loose: number[] = [];
    seat(plan, move.group, move.to, { code: 'rebalance', detail }, loose);
    for (const f of loose) placeAlone(plan, f);
  }
}

function findMove(plan: Plan): Candidate | undefined {
  const { model, situation } = plan;
  const onNode = new Map<number, number[][]>();
  for (const g of model.groups) {
    const n = plan.next[g[0]!]!;
    if (n >= 0) onNode.set(n, [...(onNode.get(n) ?? []), g]);
  }
  const active = model.nodes
    .map((_, i) => i)
    .filter((i) => situation.alive[i] && !situation.draining[i])
    .sort((a, b) => plan.load[b]! - plan.load[a]! || a - b);

  for (const from of active) {
    if (plan.load[from]! < 2) return undefined;
    let best: Candidate | undefined;
    let bestKey: [number, number, number] = [1, Infinity, -1];
    for (const group of onNode.get(from) ?? []) {
      if (!movable(plan, group, from)) continue;
      const leader = group[0]!;
      const size = group.filter((v) => plan.next[v] === from).length;
      const set = placementSet(plan, group);
      const here = standing(model, leader, from);
      // Up the order of succession when a better-placed node is lighter; sideways only among
      // unlisted nodes, and only while no listed node could take it: balance never sends a VIP
      // down its order, nor to an unlisted node while a listed one is a candidate.
      const up = model.orderOf[leader]!.slice(0, here).find(
        (n) => set.includes(n) && plan.load[n]! + size < plan.load[from]!,
      );
      const home = up !== undefined;
      if (!home && (here < model.orderOf[leader]!.length || firstListed(model, leader, set) >= 0)) continue;
      const to = home ? up : plan.leastLoaded(leader, set, from);
      if (to < 0 || plan.load[to]! + size >= plan.load[from]!) continue;
      const key: [number, number, number] = [
        home ? 0 : 1,
        plan.load[to]!,
        rank(model.vipHash[leader]!, model.nodeHash[to]!),
      ];
      if (
        key[0] < bestKey[0] ||
        (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))
      ) {
        best = { group, to, home };
        bestKey = key;
      }
    }
    if (best) return best;
  }
  return undefined;
}

function movable(plan: Plan, group: readonly number[], from: number): boolean {
  const leader = group[0]!;
  if (plan.model.orderOf[leader]![0] === from) return false;
  if (plan.pinned(leader) || plan.next[leader] !== plan.current[leader]) return false;
  return plan.withinBudget(leader);
}
