import { compile, type Assignment, type Move, type NodeView, type ReasonCode } from '../core/decide';
import type { ControlEvent, FailoverTimeline, Holding } from '../core/ports';
import type { CommitStep } from './commit';
import { judgeWitnessed, reportDeadline, type Judgement } from '../core/witness';
import type { ControlContext } from './context';
import { ringOf, witnessed } from './group';
import { findDrift, holderText } from './drift';
import { eventId, moveEvent } from './events';
import type { MoveJob, MoveReport } from './execute';
import type { TickMove, TickTrigger } from './tick-model';

/** A move the tick will record, and the provider job that carries it out (none: the hosts do). */
export interface Planned {
  event: ControlEvent;
  job?: MoveJob;
}

export function committedMoves(
  ctx: ControlContext,
  step: Extract<CommitStep, { status: 'committed' }>,
  triggers: readonly TickTrigger[],
): Planned[] {
  const next = new Map(step.decision.assignments.map((a) => [a.vip, a]));
  // The views decide() saw: under witnessed liveness a dead owner's lastSeen is when a witness last heard it.
  const views = new Map(step.views.map((v) => [v.id, v]));
  const judged = witnessed(ctx.config)
    ? judgeWitnessed({ config: ctx.config, ring: ringOf(ctx.config), records: step.state.nodes, now: step.judgedAt })
    : undefined;
  return step.decision.moves.map((m) => {
    const a = next.get(m.vip)!;
    const owner = m.from === null ? undefined : views.get(m.from);
    const lastHeartbeat = owner?.lastSeen ?? undefined;
    const timeline: FailoverTimeline = {
      ...(lastHeartbeat == null ? {} : { lastHeartbeat }),
      detected: detectedAt(ctx, m, owner, triggers, a.since),
      decided: step.decidedAt,
    };
    const said = m.reason === 'owner-dead' && m.from !== null ? judged?.get(m.from) : undefined;
    const event = moveEvent(said ? { ...m, detail: `${m.detail}; ${witnessWord(said, ctx)}` } : m, a, timeline);
    return { event, ...jobFor(ctx, m.vip, m.to, a.epoch, m.reason, event.id) };
  });
}

/** Who said a node was gone: the audit trail of a witnessed failover. */
function witnessWord(j: Judgement, ctx: ControlContext): string {
  if (j.by === 'reports') return `no report from it within the report deadline (${reportDeadline(ctx.config)} ms)`;
  return `silent to ${j.accusers.join(', ')} (witnesses counted: ${j.voters.join(', ')})`;
}

/**
 * When the control plane noticed what forced this move. A leaving or failing owner said so in a
 * heartbeat, so it was noticed on receipt; a dead owner was noticed by the first trigger after its
 * deadline (lastSeen + deadAfter); anything else by the first trigger. `decidedAt` bounds it all.
 */
function detectedAt(
  ctx: ControlContext,
  m: Move,
  owner: NodeView | undefined,
  triggers: readonly TickTrigger[],
  decidedAt: number,
): number {
  const first = (from: number) => Math.min(decidedAt, triggers.find((t) => t.at >= from)?.at ?? decidedAt);
  if (!owner || owner.lastSeen == null) return first(-Infinity);
  if (m.reason === 'owner-leaving') return owner.lastSeen;
  if (m.reason === 'owner-dead') return first(owner.lastSeen + ctx.config.timers.deadAfter);
  if (m.reason === 'owner-unhealthy') {
    const vip = compile(ctx.config).vips[compile(ctx.config).vipIndex.get(m.vip) ?? -1];
    const since = (vip?.checks ?? []).flatMap((c) =>
      owner.checks[c] && !owner.checks[c]!.ok ? [owner.checks[c]!.since] : [],
    );
    if (since.length > 0) return Math.min(...since);
  }
  return first(-Infinity);
}

export function driftRepairs(
  ctx: ControlContext,
  assignments: readonly Assignment[],
  truth: ReadonlyMap<string, Holding>,
  moving: ReadonlySet<string>,
): Planned[] {
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

export function jobFor(
  ctx: ControlContext,
  vipName: string,
  to: string | null,
  epoch: number,
  reason: ReasonCode,
  id: string,
): { job?: MoveJob } {
  const model = compile(ctx.config);
  const vip = model.vips[model.vipIndex.get(vipName) ?? -1];
  const node = to === null ? undefined : model.nodes[model.nodeIndex.get(to) ?? -1];
  if (!vip || !node) return {};
  return { job: { eventId: id, vip, to: node, epoch, reason } };
}

/**
 * Splits jobs into those the tick's own read of the providers shows done already (the target
 * holds the VIP: the provider's move would read the same and change nothing) and those still to
 * run. A first placement of addresses that are already where they belong (ipferry taking over a
 * running fleet) then costs no call per VIP: 10,240 reads would take EC2's Describe* bucket (100,
 * refilled at 20/s, sim/aws-ec2/throttle.ts) over eight minutes. The tick holds the group's lease,
 * so no other control plane moves anything between that read and now.
 */
export function satisfiedBy(
  truth: ReadonlyMap<string, Holding> | undefined,
  jobs: readonly MoveJob[],
  at: number,
): { done: MoveReport[]; todo: MoveJob[] } {
  const done: MoveReport[] = [];
  const todo: MoveJob[] = [];
  for (const job of jobs) {
    if (truth?.get(job.vip.name)?.node === job.to.id)
      done.push({ job, outcome: { ok: true, changed: false, calls: 0 }, verified: at });
    else todo.push(job);
  }
  return { done, todo };
}

export function finish(event: ControlEvent, report: MoveReport | undefined): ControlEvent {
  if (!report) return event;
  const timeline: FailoverTimeline = {
    ...event.timeline,
    ...(report.apiStart === undefined ? {} : { apiStart: report.apiStart }),
    ...(report.accepted === undefined ? {} : { accepted: report.accepted }),
    ...(report.apiDone === undefined ? {} : { apiDone: report.apiDone }),
    ...(report.verified === undefined ? {} : { verified: report.verified }),
  };
  return { ...event, timeline, ...(report.outcome ? { outcome: report.outcome } : {}) };
}

export function toTickMove(e: ControlEvent): TickMove {
  return {
    eventId: e.id,
    vip: e.vip!,
    from: e.from ?? null,
    to: e.to ?? null,
    epoch: e.epoch!,
    reason: e.reason!,
    ...(e.outcome ? { outcome: e.outcome } : {}),
    timeline: e.timeline ?? {},
  };
}
