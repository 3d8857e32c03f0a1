import type { Heartbeat, HeartbeatAnswer, HeartbeatVerifier, RefusalReason } from '../core/heartbeat';
import { HEARTBEAT_VERSION } from '../core/heartbeat';
import { foldHeartbeat } from '../core/node-view';
import type { Assignment } from '../core/decide';
import type { ControlEvent, GroupState, NodeRecord } from '../core/ports';
import type { ControlContext } from './context';
import { eventId, moveEventId } from './events';
import { ownedBy, viewsOf } from './group';
import { errorText } from './log';
import type { TickResult, TickTrigger } from './tick';
import { pendingChange } from './trigger';

/** HTTP status per refusal, as docs/protocol.md lists them. */
export const REFUSAL_STATUS: Record<RefusalReason, number> = {
  'too-large': 413,
  malformed: 400,
  'wrong-algorithm': 401,
  'unknown-node': 401,
  'bad-signature': 401,
  'wrong-cluster': 409,
  stale: 409,
  future: 409,
  replayed: 409,
};

export type HeartbeatReply =
  | { ok: true; status: 200; body: HeartbeatAnswer; node: string; trigger?: TickTrigger }
  | { ok: false; status: number; body: { error: { reason: string; message: string } } };

export interface HeartbeatOptions {
  /** Runs a tick when this heartbeat shows a change is due (the caller owns serialisation). */
  runTick?: (trigger: TickTrigger) => Promise<TickResult | undefined>;
  /** Wait for that tick and answer with its assignments (Lambda), or answer at once (local server). */
  waitForTick?: boolean;
}

/**
 * One heartbeat, start to finish: verify (a refusal changes nothing) → fold into the node's view →
 * store it, conditional on the replay guard → mark moves this node has now bound → decide whether
 * the group needs a tick at once → answer with this node's assignments and their epochs.
 */
export async function handleHeartbeat(ctx: ControlContext, verifier: HeartbeatVerifier, body: string | Buffer, opts: HeartbeatOptions = {}): Promise<HeartbeatReply> {
  const now = ctx.clock.now();
  // Everything but the replay check first, so garbage and forgeries cost no store read.
  const pre = verifier.verify(body, now, () => undefined);
  if (!pre.ok) return refuse(ctx, pre.reason, pre.message);
  const state = await ctx.store.loadGroup(ctx.group);
  const verdict = verifier.verify(body, now, (node) => state.nodes.get(node)?.guard);
  if (!verdict.ok) return refuse(ctx, verdict.reason, verdict.message);

  const hb = verdict.heartbeat;
  const prev = state.nodes.get(hb.node);
  const view = foldHeartbeat(prev?.view, hb.node, observation(hb), now, ctx.config.timers.deadAfter);
  const record: NodeRecord = { view: { ...view, draining: false }, guard: verdict.guard, applied: { ...hb.applied } };
  const put = await ctx.store.putHeartbeat(ctx.group, hb.node, record);
  if (!put.ok) return refuse(ctx, 'replayed', put.message);

  await recordAgentNews(ctx, state, prev, hb, now);
  const after = withView(state, hb.node, record);
  const change = pendingChange({ config: ctx.config, views: viewsOf(after), assignments: after.assignments, now, digest: ctx.digest, arrived: view });
  const trigger: TickTrigger | undefined = change === undefined ? undefined : { kind: 'heartbeat', at: now, detail: `${hb.node}'s heartbeat: ${change}` };

  let assignments: readonly Assignment[] = state.assignments;
  if (trigger && opts.runTick) {
    const ticking = opts.runTick(trigger).catch((err: unknown) => {
      ctx.log.error('tick after heartbeat failed', { node: hb.node, error: errorText(err) });
      return undefined;
    });
    if (opts.waitForTick) {
      const r = await ticking;
      if (r?.status === 'done') assignments = r.assignments;
    }
  }
  return { ok: true, status: 200, body: answer(ctx, hb, now, assignments, state.draining.has(hb.node)), node: hb.node, ...(trigger ? { trigger } : {}) };
}

function observation(hb: Heartbeat): Parameters<typeof foldHeartbeat>[2] {
  return { bootId: hb.bootId, checks: hb.checks, held: hb.held, leaving: hb.leaving, configDigest: hb.configDigest };
}

function withView(state: GroupState, node: string, record: NodeRecord): GroupState {
  const nodes = new Map(state.nodes);
  nodes.set(node, record);
  return { ...state, nodes };
}

/**
 * The timeline's last step: the first heartbeat in which the new owner reports an assignment's
 * epoch applied. Hook failures become events too — reported, never blocking.
 */
async function recordAgentNews(ctx: ControlContext, state: GroupState, prev: NodeRecord | undefined, hb: Heartbeat, now: number): Promise<void> {
  const marks = state.assignments.filter((a) => a.node === hb.node && a.epoch > 0 && (hb.applied[a.vip] ?? -1) >= a.epoch && (prev?.applied[a.vip] ?? -1) < a.epoch);
  const hookEvents: ControlEvent[] = hb.hookFailures.map((f, i) => ({
    id: eventId(now, `hook#${hb.node}#${hb.seq}#${i}`),
    at: now,
    kind: 'hook-failure',
    vip: f.vip,
    detail: `${hb.node}: ${f.hook} hook failed at ${new Date(f.at).toISOString()}: ${f.error}`,
  }));
  for (const e of hookEvents) ctx.log.warn('hook failed on node', { node: hb.node, vip: e.vip, detail: e.detail });
  try {
    await Promise.all([...marks.map((a) => ctx.store.markTimeline(ctx.group, moveEventId(a), { bound: now })), hookEvents.length > 0 ? ctx.store.appendEvents(ctx.group, hookEvents) : undefined]);
  } catch (err) {
    // The heartbeat itself is stored; losing a timeline mark is worth a log line, not a refusal.
    ctx.log.error('recording bound/hook events failed', { node: hb.node, error: errorText(err) });
  }
}

function answer(ctx: ControlContext, hb: Heartbeat, now: number, assignments: readonly Assignment[], draining: boolean): HeartbeatAnswer {
  const notes: string[] = [];
  if (draining) notes.push('draining: an operator asked for this node\'s VIPs to move away');
  if (hb.configDigest !== ctx.digest) notes.push(`config digest differs: this node runs ${hb.configDigest}, the control plane ${ctx.digest}`);
  if (hb.leaving) notes.push('leaving: this node\'s VIPs are being moved');
  return { v: HEARTBEAT_VERSION, cluster: ctx.config.cluster, node: hb.node, receivedAt: now, assignments: ownedBy(assignments, hb.node), notes };
}

function refuse(ctx: ControlContext, reason: RefusalReason, message: string): HeartbeatReply {
  ctx.log.warn('heartbeat refused', { reason, message });
  return { ok: false, status: REFUSAL_STATUS[reason], body: { error: { reason, message } } };
}

