import { rebalance } from './balance';
import { configMismatch, dualHolders } from './diagnose';
import { compile } from './model';
import { holdAndPlace } from './place';
import { Plan } from './plan';
import { preempt } from './preempt';
import { Situation } from './situation';
import type { Assignment, DecideInput, Decision, Move, Reason } from './types';

export * from './types';
export { compile } from './model';

/**
 * Who should own each VIP, given what is known now. Pure and deterministic: the same input gives
 * the same output on every node and every Lambda, which is what lets peers decide without a
 * coordinator and lets tests state decisions as tables.
 *
 * Order of policies: forced moves (owner dead, leaving, unhealthy, ineligible, draining) and
 * claims first; then preemption to preferred nodes; then, only when all is quiet, rebalancing.
 */
export function decide(input: DecideInput): Decision {
  const model = compile(input.config);
  const situation = new Situation(model, input.nodes, input.now);
  const plan = new Plan(model, situation, input.assignments);
  const diagnostics = [...configMismatch(situation, input.configDigest), ...dualHolders(situation)];

  const control = input.config.control;
  if (control.mode === 'peer' && control.quorum === 'majority' && situation.aliveCount * 2 <= model.nodes.length) {
    return withoutQuorum(plan, diagnostics);
  }

  holdAndPlace(plan);
  preempt(plan);
  rebalance(plan);
  return finish(plan, [...diagnostics, ...plan.diagnostics]);
}

/** Without a majority a node may be on the wrong side of a partition: claim nothing, change nothing. */
function withoutQuorum(plan: Plan, diagnostics: Decision['diagnostics']): Decision {
  const { model, situation, now } = plan;
  const seen = `${situation.aliveCount} of ${model.nodes.length} nodes alive`;
  const reasons: Record<string, Reason> = {};
  const assignments = model.vips.map((vip, i) => {
    reasons[vip.name] = { code: 'no-quorum', detail: seen };
    return plan.assignments[i] ?? initial(vip.name, now);
  });
  return {
    assignments,
    moves: [],
    reasons,
    diagnostics: [...diagnostics, { kind: 'no-quorum', message: `no quorum: ${seen}; no new claims` }],
  };
}

function initial(vip: string, now: number): Assignment {
  return { vip, node: null, epoch: 0, since: now, moves: [] };
}

function finish(plan: Plan, diagnostics: Decision['diagnostics']): Decision {
  const { model, now } = plan;
  const { window } = model.config.timers.flapBudget;
  const assignments: Assignment[] = [];
  const moves: Move[] = [];
  const reasons: Record<string, Reason> = {};
  model.vips.forEach((vip, i) => {
    const prev = plan.assignments[i];
    const from = plan.current[i]!;
    const to = plan.next[i]!;
    const reason = plan.reasons[i]!;
    reasons[vip.name] = reason;
    if (from === to && (!prev || from >= 0 || prev.node === null)) {
      if (!prev) return void assignments.push(initial(vip.name, now));
      const stale = prev.moves.length > 0 && prev.moves[0]! <= now - window;
      assignments.push(stale ? { ...prev, moves: prev.moves.filter((t) => t > now - window) } : prev);
      return;
    }
    const epoch = (prev?.epoch ?? 0) + 1;
    const next: Assignment = {
      vip: vip.name,
      node: plan.nodeId(to),
      epoch,
      since: now,
      moves: [...(prev?.moves.filter((t) => t > now - window) ?? []), now],
    };
    assignments.push(next);
    // A previous holder that is no longer configured still counts as "from", so its agent lets go.
    const fromId = from >= 0 ? plan.nodeId(from) : (prev?.node ?? null);
    if (fromId !== next.node)
      moves.push({ vip: vip.name, from: fromId, to: next.node, reason: reason.code, detail: reason.detail, epoch });
  });
  return { assignments, moves, reasons, diagnostics };
}
