import type { Heartbeat, HeartbeatAnswer, HeartbeatVerifier, RefusalReason } from '../core/heartbeat';
import { ANSWER_SIGNATURE_HEADER, HEARTBEAT_VERSION, signAnswer, type Signer } from '../core/heartbeat';
import { foldHeartbeat } from '../core/node-view';
import type { Assignment } from '../core/decide';
import type { ControlEvent, NodeRecord, Store } from '../core/ports';
import { reportDeadline, type WatchState } from '../core/witness';
import type { ControlContext } from './context';
import { eventId, moveEventId } from './events';
import { ownedBy, ringOf, viewsOf, witnessed } from './group';
import { errorText } from '../lib/log';
import type { TickResult, TickTrigger } from './tick';
import { pendingChange, timeRanOut } from './trigger';

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
  'wrong-channel': 409,
  'out-of-ring': 409,
};

export type HeartbeatReply =
  | { ok: true; status: 200; body: HeartbeatAnswer; node: string; trigger?: TickTrigger }
  | { ok: false; status: number; body: { error: { reason: string; message: string } } };

export interface HeartbeatOptions {
  /** Runs a tick when this heartbeat shows a change is due (the caller owns serialisation). */
  runTick?: (trigger: TickTrigger) => Promise<TickResult | undefined>;
  /** Wait for that tick and answer with its assignments (Lambda), or answer at once (local server). */
  waitForTick?: boolean;
  /**
   * Refuse (stale) a heartbeat sent before this: a control plane whose store forgot the replay
   * guards (memory, after a restart) would otherwise take any heartbeat captured within the skew.
   */
  notBefore?: number;
}

/**
 * One heartbeat (direct liveness) or report (witnessed), start to finish: verify (a refusal
 * changes nothing) → read this node's record and the assignments, never every node's → fold into
 * the node's view → store it, conditional on the replay guard → mark moves this node has now bound
 * → when this message changed something, or the group has not been looked at for a while, read
 * the group once and ask whether a tick is due → answer with this node's assignments and epochs.
 */
export async function handleHeartbeat(
  ctx: ControlContext,
  verifier: HeartbeatVerifier,
  body: string | Buffer,
  opts: HeartbeatOptions = {},
): Promise<HeartbeatReply> {
  const now = ctx.clock.now();
  // Everything but the replay check first, so garbage and forgeries cost no store read.
  const pre = verifier.verify(body, now, () => undefined);
  if (!pre.ok) return refuse(ctx, pre.reason, pre.message);
  if (opts.notBefore !== undefined && pre.heartbeat.sentAt < opts.notBefore) {
    return refuse(
      ctx,
      'stale',
      `sent ${opts.notBefore - pre.heartbeat.sentAt}ms before this control plane could take it (it started at ${new Date(opts.notBefore).toISOString()} less deadAfter, and forgot what it had heard before)`,
    );
  }
  const misfit = wrongPath(ctx, pre.heartbeat);
  if (misfit) return refuse(ctx, misfit.reason, misfit.message);
  const [mine, committed] = await Promise.all([
    ctx.store.loadNode(ctx.group, pre.heartbeat.node),
    ctx.store.loadAssignments(ctx.group),
  ]);
  const verdict = verifier.verify(body, now, () => mine.record?.guard);
  if (!verdict.ok) return refuse(ctx, verdict.reason, verdict.message);

  const hb = verdict.heartbeat;
  const prev = mine.record;
  const byReports = witnessed(ctx.config);
  const window = byReports ? reportDeadline(ctx.config) : ctx.config.timers.deadAfter;
  const view = foldHeartbeat(prev?.view, hb.node, observation(hb), now, window);
  const record: NodeRecord = {
    view: { ...view, draining: false },
    guard: verdict.guard,
    applied: { ...hb.applied },
    ...(byReports ? { watch: watchStates(hb, now) } : {}),
  };
  const put = await ctx.store.putHeartbeat(ctx.group, hb.node, record);
  if (!put.ok) return refuse(ctx, 'replayed', put.message);
  await recordAgentNews(ctx, committed.assignments, prev, hb, now);

  const cause =
    newsIn(prev, record) ??
    (byReports ? timeRanOut(ctx.config, prev?.view, record.view, now) : undefined) ??
    sweepDue(ctx, now);
  let trigger: TickTrigger | undefined;
  if (cause) {
    const state = await ctx.store.loadGroup(ctx.group);
    const change = pendingChange({
      config: ctx.config,
      views: viewsOf(state, ctx.config, now),
      assignments: state.assignments,
      now,
      digest: ctx.digest,
      arrived: view,
    });
    if (change !== undefined)
      trigger = {
        kind: 'heartbeat',
        at: now,
        detail: `${hb.node}'s ${byReports ? 'report' : 'heartbeat'} (${cause}): ${change}`,
      };
  }

  let assignments: readonly Assignment[] = committed.assignments;
  let version = committed.version;
  if (trigger && opts.runTick) {
    const ticking = opts.runTick(trigger).catch((err: unknown) => {
      ctx.log.error('tick after heartbeat failed', { node: hb.node, error: errorText(err) });
      return undefined;
    });
    if (opts.waitForTick) {
      const r = await ticking;
      if (r?.status === 'done') {
        assignments = r.assignments;
        version = r.version;
      }
    }
  }
  return {
    ok: true,
    status: 200,
    body: answer(ctx, hb, now, assignments, version, mine.draining),
    node: hb.node,
    ...(trigger ? { trigger } : {}),
  };
}

/**
 * A control plane takes heartbeats on its own path only: under witnessed liveness reports, and
 * only about the nodes the reporter watches (a node cannot speak for another); under direct
 * liveness heartbeats. A message meant for peers is never a report, whoever replays it.
 */
function wrongPath(ctx: ControlContext, hb: Heartbeat): { reason: RefusalReason; message: string } | undefined {
  const byReports = witnessed(ctx.config);
  if (hb.report !== byReports) {
    return {
      reason: 'wrong-channel',
      message: byReports
        ? 'this control plane takes reports (witnessed liveness); a heartbeat for peers is not one'
        : 'this control plane takes heartbeats (direct liveness), not witness reports',
    };
  }
  const ring = ringOf(ctx.config);
  const outside = Object.keys(hb.watch).filter((x) => !ring.watches(hb.node, x));
  if (outside.length > 0)
    return {
      reason: 'out-of-ring',
      message: `${hb.node} does not watch ${outside.slice(0, 3).join(', ')} (it watches ${ring.watchedBy(hb.node).join(', ') || 'no one'})`,
    };
  return undefined;
}

/** A witness's word, on this control plane's clock. */
function watchStates(hb: Heartbeat, now: number): Record<string, WatchState> {
  return Object.fromEntries(Object.entries(hb.watch).map(([x, w]) => [x, { heard: w.heard, since: now - w.forMs }]));
}

/** What in this message may change a decision: then the group is read and decide() asked. */
function newsIn(prev: NodeRecord | undefined, next: NodeRecord): string | undefined {
  if (!prev) return 'first word';
  if (next.view.leaving) return 'leaving';
  if (next.view.aliveSince !== prev.view.aliveSince) return 'back';
  for (const [name, c] of Object.entries(next.view.checks))
    if (prev.view.checks[name]?.ok !== c.ok) return `check ${name} ${c.ok ? 'passes' : 'fails'}`;
  for (const [x, w] of Object.entries(next.watch ?? {}))
    if (prev.watch?.[x]?.heard !== w.heard) return `${x} ${w.heard ? 'heard' : 'silent'}`;
  return undefined;
}

/**
 * What no single message announces — an owner gone silent (direct), reports that stopped or a
 * preemptDelay that ran out — is found by looking at the whole group now and then: once per
 * heartbeat interval (direct) or per keepalive (witnessed) in each process or Lambda container,
 * so the cost per message does not grow with the cluster.
 */
const lastSweep = new WeakMap<Store, number>();

function sweepDue(ctx: ControlContext, now: number): string | undefined {
  const every =
    witnessed(ctx.config) && ctx.config.control.mode !== 'peer' && ctx.config.control.mode !== 'etcd'
      ? ctx.config.control.witness.keepalive
      : ctx.config.timers.heartbeatInterval;
  const last = lastSweep.get(ctx.store);
  if (last !== undefined && now - last < every && now >= last) return undefined;
  lastSweep.set(ctx.store, now);
  return 'sweep';
}

function observation(hb: Heartbeat): Parameters<typeof foldHeartbeat>[2] {
  return { bootId: hb.bootId, checks: hb.checks, held: hb.held, leaving: hb.leaving, configDigest: hb.configDigest };
}

/**
 * The timeline's last step: the first heartbeat in which the new owner reports an assignment's
 * epoch applied. Hook failures become events too — reported, never blocking.
 */
async function recordAgentNews(
  ctx: ControlContext,
  assignments: readonly Assignment[],
  prev: NodeRecord | undefined,
  hb: Heartbeat,
  now: number,
): Promise<void> {
  const marks = assignments.filter(
    (a) =>
      a.node === hb.node &&
      a.epoch > 0 &&
      (hb.applied[a.vip] ?? -1) >= a.epoch &&
      (prev?.applied[a.vip] ?? -1) < a.epoch,
  );
  const hookEvents: ControlEvent[] = hb.hookFailures.map((f, i) => ({
    id: eventId(now, `hook#${hb.node}#${hb.seq}#${i}`),
    at: now,
    kind: 'hook-failure',
    vip: f.vip,
    detail: `${hb.node}: ${f.hook} hook failed at ${new Date(f.at).toISOString()}: ${f.error}`,
  }));
  for (const e of hookEvents) ctx.log.warn('hook failed on node', { node: hb.node, vip: e.vip, detail: e.detail });
  try {
    await Promise.all([
      ...marks.map((a) => ctx.store.markTimeline(ctx.group, moveEventId(a), { bound: now })),
      hookEvents.length > 0 ? ctx.store.appendEvents(ctx.group, hookEvents) : undefined,
    ]);
  } catch (err) {
    // The heartbeat itself is stored; losing a timeline mark is worth a log line, not a refusal.
    ctx.log.error('recording bound/hook events failed', { node: hb.node, error: errorText(err) });
  }
}

function answer(
  ctx: ControlContext,
  hb: Heartbeat,
  now: number,
  assignments: readonly Assignment[],
  version: number,
  draining: boolean,
): HeartbeatAnswer {
  const notes: string[] = [];
  if (draining) notes.push("draining: an operator asked for this node's VIPs to move away");
  if (hb.configDigest !== ctx.digest)
    notes.push(`config digest differs: this node runs ${hb.configDigest}, the control plane ${ctx.digest}`);
  if (hb.leaving) notes.push("leaving: this node's VIPs are being moved");
  return {
    v: HEARTBEAT_VERSION,
    cluster: ctx.config.cluster,
    node: hb.node,
    receivedAt: now,
    assignments: ownedBy(assignments, hb.node),
    notes,
    version,
    inReplyTo: { bootId: hb.bootId, seq: hb.seq },
  };
}

/**
 * A reply as bytes on the wire. An answer is signed over exactly those bytes with the control
 * plane's key (the signature in ANSWER_SIGNATURE_HEADER); refusals are not: a forged refusal can
 * only make an agent back off, which a man in the middle can do by dropping packets anyway.
 */
export function replyBytes(
  reply: HeartbeatReply,
  signer: Signer | undefined,
): { status: number; text: string; headers: Record<string, string> } {
  if (!reply.ok || !signer) return { status: reply.status, text: JSON.stringify(reply.body), headers: {} };
  const { text, signature } = signAnswer(reply.body, signer);
  return { status: reply.status, text, headers: { [ANSWER_SIGNATURE_HEADER]: signature } };
}

function refuse(ctx: ControlContext, reason: RefusalReason, message: string): HeartbeatReply {
  ctx.log.warn('heartbeat refused', { reason, message });
  return { ok: false, status: REFUSAL_STATUS[reason], body: { error: { reason, message } } };
}
