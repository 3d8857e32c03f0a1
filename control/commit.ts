import { decide, type Assignment, type Decision, type NodeView } from '../core/decide';
import type { GroupState } from '../core/ports';
import type { ControlContext } from './context';
import { changedVips, viewsOf } from './group';

export type CommitStep =
  | {
      status: 'committed';
      state: GroupState;
      decision: Decision;
      version: number;
      decidedAt: number;
      conflicts: number;
      views: NodeView[];
      judgedAt: number;
    }
  | { status: 'unchanged'; state: GroupState; decision: Decision; version: number; conflicts: number }
  | { status: 'conflict'; state: GroupState; conflicts: number };

/**
 * Load, decide, commit by compare-and-set. A lost commit means someone else decided first: reload
 * and decide again on what they wrote (never act on our stale decision). Nothing here calls a
 * provider, so a loser has done no harm.
 */
export async function decideAndCommit(
  ctx: ControlContext,
  now: () => number = () => ctx.clock.now(),
): Promise<CommitStep> {
  let conflicts = 0;
  let state = await ctx.store.loadGroup(ctx.group);
  for (let attempt = 0; attempt < ctx.tuning.commitAttempts; attempt++) {
    if (attempt > 0) state = await ctx.store.loadGroup(ctx.group);
    const at = now();
    const views = viewsOf(state, ctx.config, at);
    const decision = decide({
      config: ctx.config,
      nodes: views,
      assignments: state.assignments,
      now: at,
      configDigest: ctx.digest,
    });
    if (decision.moves.length === 0) return { status: 'unchanged', state, decision, version: state.version, conflicts };
    const r = await ctx.store.commit(ctx.group, {
      expectedVersion: state.version,
      assignments: decision.assignments,
      changed: changedVips(state.assignments, decision.assignments),
    });
    if (r.ok)
      return {
        status: 'committed',
        state,
        decision,
        version: r.version,
        decidedAt: ctx.clock.now(),
        conflicts,
        views,
        judgedAt: at,
      };
    conflicts += 1;
    ctx.log.info('commit lost; reloading', {
      group: ctx.group,
      expected: state.version,
      current: r.currentVersion,
      attempt: attempt + 1,
    });
  }
  return { status: 'conflict', state, conflicts };
}

/** The assignments after a step: the committed next state, or what was loaded. */
export function assignmentsAfter(step: CommitStep): Assignment[] {
  return step.status === 'committed' ? step.decision.assignments : step.state.assignments;
}
