import { compile, type Assignment, type Diagnostic, type Move, type NodeView, type ReasonCode } from '../core/decide';
import type { ControlEvent, EventOutcome, FailoverTimeline, Holding } from '../core/ports';
import { assignmentsAfter, decideAndCommit, type CommitStep } from './commit';
import type { ControlContext } from './context';
import { publishRecordSets } from './dns';
import { findDrift, holderText, observeAll } from './drift';
import { eventId, moveEvent } from './events';
import { executeMoves, type MoveJob, type MoveReport } from './execute';
import { errorText } from './log';

export type TriggerKind = 'schedule' | 'interval' | 'deadline' | 'heartbeat' | 'api' | 'retry';

/** Why a tick runs; `at` is when the cause was noticed (the timeline's "detected"). */
export interface TickTrigger {
  kind: TriggerKind;
  at: number;
  detail: string;
}

export interface TickOptions {
  trigger: TickTrigger;
  /** Every trigger this tick answers, when several were merged (sorted by time); default [trigger]. */
  triggers?: readonly TickTrigger[];
  /** Read the providers' truth and repair drift (scheduled ticks); failover ticks skip the extra reads. */
  repairDrift?: boolean;
  /** Take the group's lease first (default). Off only to show that commit's CAS alone is safe. */
  lease?: boolean;
}

/** One move (or drift repair) as the tick saw it through. */
export interface TickMove {
  eventId: string;
  vip: string;
  from: string | null;
  to: string | null;
  epoch: number;
  reason: ReasonCode;
  outcome?: EventOutcome;
  timeline: FailoverTimeline;
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
    const lease = await ctx.store.acquireLease(ctx.group, { owner: ctx.instance, ttlMs: ctx.tuning.leaseMs, now: ctx.clock.now() });
    if (!lease.ok) {
      ctx.log.info('tick skipped: lease held', { group: ctx.group, holder: lease.holder, trigger: opts.trigger.kind });
      return { status: 'busy', holder: lease.holder, expiresAt: lease.expiresAt };
    }
  }
  try {
    return await run(ctx, opts);
  } finally {
    if (useLease) await ctx.store.releaseLease(ctx.group, ctx.instance).catch((err: unknown) => ctx.log.error('lease release failed', { error: errorText(err) }));
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
  if (moves.length > 0) await ctx.store.appendEvents(ctx.group, moves.map((m) => m.event));
  const assignments = assignmentsAfter(step);
  const repairs = observed ? driftRepairs(ctx, assignments, (await observed).truth, new Set(moves.map((m) => m.event.vip!))) : [];
  if (repairs.length > 0) await ctx.store.appendEvents(ctx.group, repairs.map((r) => r.event));

  const planned = [...moves, ...repairs];
  const touched = opts.repairDrift ? 'all' : new Set(moves.map((m) => m.event.vip!));
  const [executed, dnsEvents] = await Promise.all([
    executeMoves(ctx, planned.flatMap((p) => (p.job ? [p.job] : []))),
    touched === 'all' || touched.size > 0 ? publishRecordSets(ctx, assignments, touched, step.version) : Promise.resolve([]),
  ]);
  const reports = new Map(executed.map((r) => [r.job.eventId, r]));
  const finished = planned.map((p) => finish(p.event, reports.get(p.event.id)));
  const updated = [...finished.filter((_, i) => planned[i]!.job), ...dnsEvents];
  if (updated.length > 0) await ctx.store.appendEvents(ctx.group, updated);

  const toTickMove = (e: ControlEvent): TickMove => ({
    eventId: e.id,
    vip: e.vip!,
    from: e.from ?? null,
    to: e.to ?? null,
    epoch: e.epoch!,
    reason: e.reason!,
    ...(e.outcome ? { outcome: e.outcome } : {}),
    timeline: e.timeline ?? {},
  });
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

interface Planned {
  event: ControlEvent;
  job?: MoveJob;
}

function committedMoves(ctx: ControlContext, step: Extract<CommitStep, { status: 'committed' }>, triggers: readonly TickTrigger[]): Planned[] {
  const next = new Map(step.decision.assignments.map((a) => [a.vip, a]));
  return step.decision.moves.map((m) => {
    const a = next.get(m.vip)!;
    const owner = m.from === null ? undefined : step.state.nodes.get(m.from)?.view;
    const lastHeartbeat = owner?.lastSeen ?? undefined;
    const timeline: FailoverTimeline = {
      ...(lastHeartbeat == null ? {} : { lastHeartbeat }),
      detected: detectedAt(ctx, m, owner, triggers, a.since),
      decided: step.decidedAt,
    };
    const event = moveEvent(m, a, timeline);
    return { event, ...jobFor(ctx, m.vip, m.to, a.epoch, m.reason, event.id) };
  });
}

/**
 * When the control plane noticed what forced this move. A leaving or failing owner said so in a
 * heartbeat, so it was noticed on receipt; a dead owner was noticed by the first trigger after its
 * deadline (lastSeen + deadAfter); anything else by the first trigger. `decidedAt` bounds it all.
 */
function detectedAt(ctx: ControlContext, m: Move, owner: NodeView | undefined, triggers: readonly TickTrigger[], decidedAt: number): number {
  const first = (from: number) => Math.min(decidedAt, triggers.find((t) => t.at >= from)?.at ?? decidedAt);
  if (!owner || owner.lastSeen == null) return first(-Infinity);
  if (m.reason === 'owner-leaving') return owner.lastSeen;
  if (m.reason === 'owner-dead') return first(owner.lastSeen + ctx.config.timers.deadAfter);
  if (m.reason === 'owner-unhealthy') {
    const vip = compile(ctx.config).vips[compile(ctx.config).vipIndex.get(m.vip) ?? -1];
    const since = (vip?.checks ?? []).flatMap((c) => (owner.checks[c] && !owner.checks[c]!.ok ? [owner.checks[c]!.since] : []));
    if (since.length > 0) return Math.min(...since);
  }
  return first(-Infinity);
}

function driftRepairs(ctx: ControlContext, assignments: readonly Assignment[], truth: ReadonlyMap<string, Holding>, moving: ReadonlySet<string>): Planned[] {
  const now = ctx.clock.now();
  return findDrift(ctx.config, assignments, truth, moving).map((d) => {
    const id = eventId(now, `drift#${d.vip.name}@${d.assignment.epoch}`);
    const event: ControlEvent = {
      id,
      at: now,
      kind: 'move',
      vip: d.vip.name,
      from: holderText(d.holding) === 'nobody' ? null : holderText(d.holding),
      to: d.assignment.node,
      epoch: d.assignment.epoch,
      reason: 'drift',
      detail: `provider has it on ${holderText(d.holding)}, committed owner is ${d.assignment.node}`,
      timeline: { detected: now, decided: now },
    };
    return { event, ...jobFor(ctx, d.vip.name, d.assignment.node, d.assignment.epoch, 'drift', id) };
  });
}

export function jobFor(ctx: ControlContext, vipName: string, to: string | null, epoch: number, reason: ReasonCode, id: string): { job?: MoveJob } {
  const model = compile(ctx.config);
  const vip = model.vips[model.vipIndex.get(vipName) ?? -1];
  const node = to === null ? undefined : model.nodes[model.nodeIndex.get(to) ?? -1];
  if (!vip || !node) return {};
  return { job: { eventId: id, vip, to: node, epoch, reason } };
}

function finish(event: ControlEvent, report: MoveReport | undefined): ControlEvent {
  if (!report) return event;
  const timeline: FailoverTimeline = {
    ...event.timeline,
    ...(report.apiStart === undefined ? {} : { apiStart: report.apiStart }),
    ...(report.apiDone === undefined ? {} : { apiDone: report.apiDone }),
    ...(report.verified === undefined ? {} : { verified: report.verified }),
  };
  return { ...event, timeline, ...(report.outcome ? { outcome: report.outcome } : {}) };
}
