import { firstListed } from './model';
import { STABLE, type Plan } from './plan';
import type { Reason } from './types';

/**
 * The forced part of a decision, in two passes so that loads are known before anything is placed:
 * 1. hold: every group whose owner can still carry it stays (stability first);
 * 2. place: groups without a usable owner go to the first node of their order of succession
 *    (`preferred`) that can take them, else to the least-loaded candidate, else nowhere
 *    (unowned, with the reason).
 * Followers sit on their leader's node whenever they can; when they cannot, the VIP is marked
 * `broken` and placed on its own, because an address that answers beats one that follows.
 */
export function holdAndPlace(plan: Plan): void {
  const { model, situation } = plan;
  const pending: Array<{ group: number[]; why: Reason }> = [];
  const loose: number[] = [];

  for (const group of model.groups) {
    const leader = group[0]!;
    const cur = plan.current[leader]!;
    if (cur >= 0 && canPlaceAt(plan, group, cur)) {
      seat(plan, group, cur, STABLE, loose);
      continue;
    }
    const set = placementSet(plan, group);
    const cls = model.classOf[leader]!;
    if (cur >= 0 && set.length === 0 && situation.draining[cur] && situation.alive[cur] && situation.passes(cur, cls)) {
      // Nowhere else to go: a draining owner keeps the VIP rather than leave it unowned.
      const healthyThere = (f: number, at: number): boolean =>
        situation.passes(at, model.classOf[f]!) && model.classes[model.classOf[f]!]!.staticNodes.includes(at);
      seat(plan, group, cur, STABLE, loose, healthyThere);
      for (const v of group.filter((m) => plan.next[m] === cur)) {
        plan.diagnostics.push({
          kind: 'drain-blocked',
          vip: model.vips[v]!.name,
          nodes: [model.nodes[cur]!.id],
          message: `${model.nodes[cur]!.id} is draining but no other node can take ${model.vips[v]!.name}: ${situation.whyNone(cls)}`,
        });
      }
      continue;
    }
    pending.push({ group, why: cur >= 0 ? groupWhy(plan, group, cur) : { code: 'claim', detail: 'unowned' } });
  }

  for (const { group, why } of pending) {
    const leader = group[0]!;
    const set = placementSet(plan, group);
    // The order of succession first; only when no listed node can take it, the least loaded.
    const listed = firstListed(model, leader, set);
    const target = listed >= 0 ? listed : plan.leastLoaded(leader, set);
    if (target < 0) {
      const cls = model.classOf[leader]!;
      const detail = `${why.code === 'claim' ? 'unowned' : why.detail}; no node can take it: ${situation.whyNone(cls)}`;
      plan.assign(leader, -1, { code: 'no-eligible-node', detail });
      plan.diagnostics.push({ kind: 'unowned', vip: model.vips[leader]!.name, message: detail });
      loose.push(...group.slice(1));
      continue;
    }
    const reason =
      why.code === 'claim' ? { code: 'claim' as const, detail: `claimed by ${model.nodes[target]!.id}` } : why;
    seat(plan, group, target, reason, loose);
  }

  for (const vip of loose) placeAlone(plan, vip);
}

/** Why a group must leave its node: the first member that cannot stay there says why. */
function groupWhy(plan: Plan, group: readonly number[], node: number): Reason {
  const { model, situation } = plan;
  for (const m of group) {
    const why = situation.whyNot(node, model.classOf[m]!);
    if (why.code === 'stable') continue;
    return m === group[0]
      ? why
      : { code: why.code, detail: `${why.detail}, needed by follower ${model.vips[m]!.name}` };
  }
  return { code: 'owner-ineligible', detail: `${model.nodes[node]!.id} cannot carry the whole group` };
}

/** Whether `node` is in the group's placement set, without building the set for the common case. */
function canPlaceAt(plan: Plan, group: readonly number[], node: number): boolean {
  const { situation, model } = plan;
  if (!situation.isCandidate(node, model.classOf[group[0]!]!)) return false;
  if (group.length === 1 || group.every((v) => situation.isCandidate(node, model.classOf[v]!))) return true;
  return placementSet(plan, group).includes(node);
}

/**
 * Where a group may go: nodes that can carry every member; if there is none, nodes that can
 * carry the leader (the followers that cannot come along become `broken`).
 */
export function placementSet(plan: Plan, group: readonly number[]): number[] {
  const { model, situation } = plan;
  const leaderSet = situation.candidates(model.classOf[group[0]!]!);
  if (group.length === 1) return leaderSet;
  const joint = leaderSet.filter((n) => group.every((v) => situation.isCandidate(n, model.classOf[v]!)));
  return joint.length > 0 ? joint : leaderSet;
}

/**
 * Puts the group's leader on `node`, and each follower on its own leader's node when it can sit
 * there (followers come after their leaders in group order). The rest go to `loose`.
 */
export function seat(
  plan: Plan,
  group: readonly number[],
  node: number,
  reason: Reason,
  loose: number[],
  canSit: (follower: number, at: number) => boolean = (f, at) => plan.situation.isCandidate(at, plan.model.classOf[f]!),
): void {
  const { model } = plan;
  const leader = group[0]!;
  plan.assign(leader, node, reason);
  const seated = new Map([[leader, node]]);
  for (const f of group.slice(1)) {
    const lead = model.vipIndex.get(model.vips[f]!.follow!)!;
    const at = seated.get(lead);
    if (at === undefined || !canSit(f, at)) {
      loose.push(f);
      continue;
    }
    const moving = plan.current[f] !== at;
    plan.assign(f, at, moving ? followReason(plan, f, lead, at, reason) : STABLE);
    seated.set(f, at);
  }
}

function followReason(plan: Plan, follower: number, leader: number, node: number, leaderReason: Reason): Reason {
  const { model } = plan;
  const leaderName = model.vips[leader]!.name;
  if (leaderReason.code !== 'stable' && plan.current[follower] === plan.current[leader]) return leaderReason;
  return { code: 'follow', detail: `follows ${leaderName} to ${model.nodes[node]!.id}` };
}

/**
 * A follower left over by `seat`: it joins its leader if its leader ended up somewhere it can be
 * (a chain whose middle was placed on its own); otherwise it is `broken`, and kept or placed like
 * any VIP. Loose followers are handled in group order, so their leaders are already final.
 */
export function placeAlone(plan: Plan, vip: number): void {
  const { model, situation } = plan;
  const v = model.vips[vip]!;
  const leader = model.vipIndex.get(v.follow!)!;
  const leaderNode = plan.next[leader]!;
  const cls = model.classOf[vip]!;
  const cur = plan.current[vip]!;
  if (leaderNode >= 0 && situation.isCandidate(leaderNode, cls)) {
    const reason = cur === leaderNode ? STABLE : followReason(plan, vip, leader, leaderNode, plan.reasons[leader]!);
    return plan.assign(vip, leaderNode, reason);
  }
  plan.diagnostics.push({
    kind: 'broken',
    vip: v.name,
    message:
      leaderNode < 0
        ? `${v.name} follows ${v.follow}, which has no owner`
        : `${v.name} cannot follow ${v.follow} to ${model.nodes[leaderNode]!.id}: ${situation.whyNot(leaderNode, cls).detail}`,
  });
  const set = situation.candidates(cls);
  if (situation.isCandidate(cur, cls)) return plan.assign(vip, cur, STABLE);
  const target = plan.leastLoaded(vip, set);
  if (target < 0) {
    const detail = `no node can take it: ${situation.whyNone(cls)}`;
    plan.diagnostics.push({ kind: 'unowned', vip: v.name, message: detail });
    return plan.assign(vip, -1, { code: 'no-eligible-node', detail });
  }
  plan.assign(
    vip,
    target,
    cur >= 0 ? situation.whyNot(cur, cls) : { code: 'claim', detail: `claimed by ${model.nodes[target]!.id}` },
  );
}
