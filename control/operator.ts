import { canCarry } from '../core/config/topology';
import { compile, type Assignment } from '../core/decide';
import type { ControlEvent, FailoverTimeline } from '../core/ports';
import type { ControlContext } from './context';
import { eventId, moveEventId } from './events';
import { executeMoves } from './execute';
import { changedVips, viewsOf } from './group';
import { errorText } from '../lib/log';
import { jobFor } from './planned-moves';
import type { TickMove } from './tick';

/** A refusal of an operator request, with the HTTP status that says what kind. */
export class OperatorError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    readonly reason: 'invalid' | 'not-found' | 'conflict' | 'transient',
    message: string,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}

/** Drain (or undrain) a node: its VIPs move away at the next decision, which the caller starts. */
export async function setDrain(
  ctx: ControlContext,
  node: string,
  draining: boolean,
  by?: string,
): Promise<ControlEvent> {
  if (!ctx.config.nodes.some((n) => n.id === node))
    throw new OperatorError(404, 'not-found', `node ${node} is not in the config`);
  const at = ctx.clock.now();
  await ctx.store.setDraining(ctx.group, node, draining, at);
  const event: ControlEvent = {
    id: eventId(at, `${draining ? 'drain' : 'undrain'}#${node}`),
    at,
    kind: draining ? 'drain' : 'undrain',
    detail: `${node} ${draining ? 'drained' : 'undrained'}${by ? ` by ${by}` : ''}`,
  };
  await ctx.store.appendEvents(ctx.group, [event]);
  ctx.log.info(event.detail, { node, draining, by });
  return event;
}

/**
 * A person moves a VIP: the assignment goes to `node` with the next epoch, pinned (preemption and
 * rebalancing leave it there; a forced move — the node dies, fails a check, drains — still wins).
 * Committed by CAS under the tick lease, then moved through the provider like any move.
 */
/** The longest reason an operator may give: a sentence or two, as a check's detail (300). */
export const MAX_REASON = 300;

export async function manualMove(
  ctx: ControlContext,
  req: { vip: string; node: string; reason: string; by?: string },
): Promise<TickMove> {
  const model = compile(ctx.config);
  const vip = model.vips[model.vipIndex.get(req.vip) ?? -1];
  if (!vip) throw new OperatorError(404, 'not-found', `VIP ${req.vip} is not in the config`);
  const node = model.nodes[model.nodeIndex.get(req.node) ?? -1];
  if (!node) throw new OperatorError(404, 'not-found', `node ${req.node} is not in the config`);
  if (!req.reason.trim()) throw new OperatorError(400, 'invalid', 'a manual move needs a reason');
  // Kept in the pin, the event and every /v1/status: a 340 KB reason made status 682 KB.
  if (req.reason.length > MAX_REASON)
    throw new OperatorError(400, 'invalid', `a reason is at most ${MAX_REASON} characters (got ${req.reason.length})`);
  if (!canCarry(vip, node))
    throw new OperatorError(
      409,
      'conflict',
      `node ${node.id} cannot carry ${vip.name} (eligibility, identity or subnet)`,
    );

  const lease = await ctx.store.acquireLease(ctx.group, {
    owner: ctx.instance,
    ttlMs: ctx.tuning.leaseMs,
    now: ctx.clock.now(),
  });
  if (!lease.ok)
    throw new OperatorError(409, 'conflict', `a tick is running (lease held by ${lease.holder}); try again`);
  try {
    const state = await ctx.store.loadGroup(ctx.group);
    const now = ctx.clock.now();
    const view = viewsOf(state, ctx.config, now).find((v) => v.id === node.id);
    const alive =
      !!view && view.lastSeen !== null && now - view.lastSeen <= ctx.config.timers.deadAfter && !view.leaving;
    if (!alive)
      throw new OperatorError(409, 'conflict', `node ${node.id} is not alive; the VIP would be moved straight back`);
    if (view.draining) throw new OperatorError(409, 'conflict', `node ${node.id} is draining`);
    const failing = vip.checks.filter((c) => !view.checks[c]?.ok);
    if (failing.length > 0)
      throw new OperatorError(409, 'conflict', `node ${node.id} fails ${failing.join(', ')}, which ${vip.name} needs`);

    const prev = state.assignments.find((a) => a.vip === vip.name);
    const pinned = { reason: req.reason, ...(req.by ? { by: req.by } : {}) };
    const window = ctx.config.timers.flapBudget.window;
    const moving = prev?.node !== node.id;
    const next: Assignment = moving
      ? {
          vip: vip.name,
          node: node.id,
          epoch: (prev?.epoch ?? 0) + 1,
          since: now,
          moves: [...(prev?.moves.filter((t) => t > now - window) ?? []), now],
          pinned,
        }
      : { ...prev!, pinned };
    await commitOne(ctx, state, next, 'moving');

    const from = prev?.node ?? null;
    const lastHeartbeat = from === null ? undefined : state.nodes.get(from)?.view.lastSeen;
    const timeline: FailoverTimeline = {
      ...(lastHeartbeat == null ? {} : { lastHeartbeat }),
      detected: now,
      decided: ctx.clock.now(),
    };
    const event: ControlEvent = {
      id: moving ? moveEventId(next) : eventId(now, `pin#${vip.name}@${next.epoch}`),
      at: now,
      kind: 'move',
      vip: vip.name,
      from,
      to: node.id,
      epoch: next.epoch,
      reason: 'manual',
      detail: `${req.reason}${req.by ? ` (by ${req.by})` : ''}${moving ? '' : '; already there, now pinned'}`,
      timeline,
    };
    await ctx.store.appendEvents(ctx.group, [event]);
    const { job } = jobFor(ctx, vip.name, node.id, next.epoch, 'manual', event.id);
    const [report] = job ? await executeMoves(ctx, [job]) : [];
    const done: ControlEvent = {
      ...event,
      timeline: {
        ...timeline,
        ...(report?.apiStart ? { apiStart: report.apiStart } : {}),
        ...(report?.accepted ? { accepted: report.accepted } : {}),
        ...(report?.apiDone ? { apiDone: report.apiDone } : {}),
        ...(report?.verified ? { verified: report.verified } : {}),
      },
      ...(report?.outcome ? { outcome: report.outcome } : {}),
    };
    if (report) await ctx.store.appendEvents(ctx.group, [done]);
    ctx.log.info('manual move', {
      vip: vip.name,
      from,
      to: node.id,
      epoch: next.epoch,
      by: req.by,
      outcome: done.outcome,
    });
    return {
      eventId: done.id,
      vip: vip.name,
      from,
      to: node.id,
      epoch: next.epoch,
      reason: 'manual',
      ...(done.outcome ? { outcome: done.outcome } : {}),
      timeline: done.timeline ?? {},
    };
  } finally {
    await ctx.store
      .releaseLease(ctx.group, ctx.instance)
      .catch((err: unknown) => ctx.log.error('lease release failed', { error: errorText(err) }));
  }
}

/**
 * Lets a manually moved VIP go: the pin is removed (same node, same epoch: nothing moves yet),
 * so preemption and rebalancing may act on it again at the next decision, which the caller
 * starts. A VIP that is not pinned is left as it is and says so.
 */
export async function unpin(
  ctx: ControlContext,
  req: { vip: string; by?: string },
): Promise<{ vip: string; node: string | null; wasPinned: boolean; event?: ControlEvent }> {
  if (!ctx.config.vips.some((v) => v.name === req.vip))
    throw new OperatorError(404, 'not-found', `VIP ${req.vip} is not in the config`);
  const lease = await ctx.store.acquireLease(ctx.group, {
    owner: ctx.instance,
    ttlMs: ctx.tuning.leaseMs,
    now: ctx.clock.now(),
  });
  if (!lease.ok)
    throw new OperatorError(409, 'conflict', `a tick is running (lease held by ${lease.holder}); try again`);
  try {
    const state = await ctx.store.loadGroup(ctx.group);
    const prev = state.assignments.find((a) => a.vip === req.vip);
    if (!prev?.pinned) return { vip: req.vip, node: prev?.node ?? null, wasPinned: false };
    const { pinned, ...rest } = prev;
    await commitOne(ctx, state, rest, 'unpinning');
    const now = ctx.clock.now();
    const event: ControlEvent = {
      id: eventId(now, `unpin#${req.vip}@${prev.epoch}`),
      at: now,
      kind: 'note',
      vip: req.vip,
      to: prev.node,
      epoch: prev.epoch,
      detail: `${req.vip} unpinned on ${prev.node ?? 'no node'}${req.by ? ` by ${req.by}` : ''} (pinned for: ${pinned.reason}); preemption and rebalancing apply again`,
    };
    await ctx.store.appendEvents(ctx.group, [event]);
    ctx.log.info('unpinned', { vip: req.vip, node: prev.node, epoch: prev.epoch, by: req.by });
    return { vip: req.vip, node: prev.node, wasPinned: true, event };
  } finally {
    await ctx.store
      .releaseLease(ctx.group, ctx.instance)
      .catch((err: unknown) => ctx.log.error('lease release failed', { error: errorText(err) }));
  }
}

/**
 * Commits one VIP's new assignment beside the others, by compare-and-set on the version the
 * request read: a tick or another operator that got in first is a 409 to try again, never a
 * silent overwrite.
 */
async function commitOne(
  ctx: ControlContext,
  state: { version: number; assignments: readonly Assignment[] },
  next: Assignment,
  doing: string,
): Promise<void> {
  const assignments = [...state.assignments.filter((a) => a.vip !== next.vip), next];
  const r = await ctx.store.commit(ctx.group, {
    expectedVersion: state.version,
    assignments,
    changed: changedVips(state.assignments, assignments),
  });
  if (!r.ok)
    throw new OperatorError(
      409,
      'conflict',
      `the group changed while ${doing} (version ${r.currentVersion}); try again`,
    );
}
