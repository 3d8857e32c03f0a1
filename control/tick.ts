import type { Assignment, Diagnostic } from '../core/decide';
import { assignmentsAfter, decideAndCommit } from './commit';
import type { ControlContext } from './context';
import { publishRecordSets } from './dns';
import { observeAll } from './drift';
import { executeMoves } from './execute';
import { committedMoves, driftRepairs, finish, satisfiedBy, toTickMove } from './planned-moves';
import { errorText } from '../lib/log';
import type { TickMove, TickTrigger } from './tick-model';

export type { TickMove, TickTrigger, TriggerKind } from './tick-model';

export interface TickOptions {
  trigger: TickTrigger;
  /** Every trigger this tick answers, when several were merged (sorted by time); default [trigger]. */
  triggers?: readonly TickTrigger[];
  /** Read the providers' truth and repair drift (scheduled ticks); failover ticks skip the extra reads. */
  repairDrift?: boolean;
  /** Take the group's lease first (default). Off only to show that commit's CAS alone is safe. */
  lease?: boolean;
}

export type TickResult =
  | { status: 'busy'; holder: string; expiresAt: number }
  | { status: 'conflict'; conflicts: number; version: number }
  | {
      status: 'done';
      committed: boolean;
      version: number;
      conflicts: number;
      assignments: Assignment[];
      moves: TickMove[];
      repairs: TickMove[];
      diagnostics: Diagnostic[];
      /** Moves or repairs that did not succeed: the next reconcile retries them as drift. */
      failed: number;
    };

/**
 * One pass of the control loop over the group: lease → load → decide → commit (CAS) → execute
 * the moves (and drift repairs) through the providers, and republish round-robin DNS records whose
 * VIPs changed hands → record events with their timelines.
 * The lease is always given back; events of a committed decision are written before any provider
 * is called, so a crash mid-move still leaves the decision on record.
 */
export async function tick(ctx: ControlContext, opts: TickOptions): Promise<TickResult> {
  const useLease = opts.lease ?? true;
  if (useLease) {
    const lease = await ctx.store.acquireLease(ctx.group, {
      owner: ctx.instance,
      ttlMs: ctx.tuning.leaseMs,
      now: ctx.clock.now(),
    });
    if (!lease.ok) {
      ctx.log.info('tick skipped: lease held', { group: ctx.group, holder: lease.holder, trigger: opts.trigger.kind });
      return { status: 'busy', holder: lease.holder, expiresAt: lease.expiresAt };
    }
  }
  try {
    return await run(ctx, opts);
  } finally {
    if (useLease)
      await ctx.store
        .releaseLease(ctx.group, ctx.instance)
        .catch((err: unknown) => ctx.log.error('lease release failed', { error: errorText(err) }));
  }
}

async function run(ctx: ControlContext, opts: TickOptions): Promise<TickResult> {
  const observed = opts.repairDrift ? observeAll(ctx) : undefined;
  const step = await decideAndCommit(ctx);
  if (step.status === 'conflict') {
    ctx.log.warn('tick gave up: every commit lost', { group: ctx.group, conflicts: step.conflicts });
    await observed;
    return { status: 'conflict', conflicts: step.conflicts, version: step.state.version };
  }
  const moves = step.status === 'committed' ? committedMoves(ctx, step, opts.triggers ?? [opts.trigger]) : [];
  const assignments = assignmentsAfter(step);
  const truth = observed ? (await observed).truth : undefined;
  const repairs = truth ? driftRepairs(ctx, assignments, truth, new Set(moves.map((m) => m.event.vip!))) : [];
  const planned = [...moves, ...repairs];
  // Moves the providers' truth shows done already are recorded finished in the same write: one
  // write per event, not two, when a first placement finds 10,240 addresses already in place.
  const { done, todo } = satisfiedBy(
    truth,
    planned.flatMap((p) => (p.job ? [p.job] : [])),
    ctx.clock.now(),
  );
  const settled = new Map(done.map((r) => [r.job.eventId, r]));
  if (planned.length > 0)
    await ctx.store.appendEvents(
      ctx.group,
      planned.map((p) => finish(p.event, settled.get(p.event.id))),
    );

  const touched = opts.repairDrift ? 'all' : new Set(moves.map((m) => m.event.vip!));
  const [executed, dnsEvents] = await Promise.all([
    executeMoves(ctx, todo),
    touched === 'all' || touched.size > 0
      ? publishRecordSets(ctx, assignments, touched, step.version)
      : Promise.resolve([]),
  ]);
  const reports = new Map([...done, ...executed].map((r) => [r.job.eventId, r]));
  const finished = planned.map((p) => finish(p.event, reports.get(p.event.id)));
  const updated = [...finished.filter((_, i) => planned[i]!.job && !settled.has(planned[i]!.event.id)), ...dnsEvents];
  if (updated.length > 0) await ctx.store.appendEvents(ctx.group, updated);

  const result = {
    status: 'done' as const,
    committed: step.status === 'committed',
    version: step.version,
    conflicts: step.conflicts,
    assignments,
    moves: finished.slice(0, moves.length).map(toTickMove),
    repairs: finished.slice(moves.length).map(toTickMove),
    diagnostics: step.decision.diagnostics,
    failed: [...finished, ...dnsEvents].filter((e) => e.outcome && !e.outcome.ok).length,
  };
  if (result.committed || repairs.length > 0) {
    ctx.log.info('tick', {
      group: ctx.group,
      trigger: opts.trigger.kind,
      version: result.version,
      moves: result.moves.map((m) => `${m.vip} ${m.from ?? '-'}→${m.to ?? '-'} ${m.reason}`),
      repairs: result.repairs.length,
      failed: result.failed,
    });
  }
  return result;
}
