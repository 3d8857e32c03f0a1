import { HOST_BOUND_KINDS, successionOf } from '../core/config';
import { decide, type Diagnostic, type Move, type Reason, type ReasonCode } from '../core/decide';
import type { ControlEvent, GroupState } from '../core/ports';
import type { ControlContext } from './context';
import { findDrift, holderText, observeAll } from './drift';
import { viewsOf } from './group';

export interface NodeStatus {
  id: string;
  state: 'alive' | 'dead' | 'leaving' | 'unknown';
  lastSeen: number | null;
  /** How long since its last heartbeat was received. */
  silentMs: number | null;
  aliveSince: number | null;
  draining: boolean;
  checks: Record<string, boolean>;
  held: string[];
  bootId?: string;
  configDigest?: string;
}

export interface VipStatus {
  vip: string;
  kind: string;
  node: string | null;
  epoch: number;
  since: number | null;
  preferred?: string;
  /** The whole order of succession, best first, when `preferred` lists more than one node. */
  succession?: string[];
  pinned?: { reason: string; by?: string };
  /** Whether the owner's agent reports this epoch applied; null when unowned or never heard. */
  bound: boolean | null;
  /** What decide() says about the VIP right now. */
  reason: ReasonCode;
  detail: string;
}

export interface StatusReport {
  cluster: string;
  version: number;
  now: number;
  digest: string;
  nodes: NodeStatus[];
  vips: VipStatus[];
  diagnostics: Diagnostic[];
  /** The latest moves, newest first, with their failover timelines. */
  recentMoves: ControlEvent[];
}

export async function status(ctx: ControlContext): Promise<StatusReport> {
  const [state, recent] = await Promise.all([
    ctx.store.loadGroup(ctx.group),
    ctx.store.listEvents(ctx.group, { limit: 50 }),
  ]);
  const now = ctx.clock.now();
  const d = dryRun(ctx, state, now);
  const byVip = new Map(state.assignments.map((a) => [a.vip, a]));
  const views = new Map(viewsOf(state, ctx.config, now).map((v) => [v.id, v]));
  const nodes: NodeStatus[] = ctx.config.nodes.map((n) => {
    const v = views.get(n.id);
    const state =
      !v || v.lastSeen === null
        ? 'unknown'
        : v.leaving
          ? 'leaving'
          : now - v.lastSeen > ctx.config.timers.deadAfter
            ? 'dead'
            : 'alive';
    return {
      id: n.id,
      state,
      lastSeen: v?.lastSeen ?? null,
      silentMs: v?.lastSeen == null ? null : now - v.lastSeen,
      aliveSince: v?.aliveSince ?? null,
      draining: v?.draining ?? false,
      checks: Object.fromEntries(Object.entries(v?.checks ?? {}).map(([c, s]) => [c, s.ok])),
      held: [...(v?.held ?? [])],
      ...(v?.bootId ? { bootId: v.bootId } : {}),
      ...(v?.configDigest ? { configDigest: v.configDigest } : {}),
    };
  });
  const vips: VipStatus[] = ctx.config.vips.map((v) => {
    const a = byVip.get(v.name);
    const owner = a?.node ? state.nodes.get(a.node) : undefined;
    const reason = d.reasons[v.name] ?? { code: 'stable', detail: '' };
    return {
      vip: v.name,
      kind: v.kind,
      node: a?.node ?? null,
      epoch: a?.epoch ?? 0,
      since: a?.since ?? null,
      ...(v.preferred ? { preferred: v.preferred } : {}),
      ...(v.successors?.length ? { succession: successionOf(v) } : {}),
      ...(a?.pinned ? { pinned: a.pinned } : {}),
      // Only kinds the owner's OS carries are bound by an agent; an Elastic IP or a DNS record is not.
      bound: !a?.node || !owner || !HOST_BOUND_KINDS.has(v.kind) ? null : (owner.applied[v.name] ?? -1) >= a.epoch,
      reason: reason.code,
      detail: reason.detail,
    };
  });
  const recentMoves = recent.events.filter((e) => e.kind === 'move').slice(0, 10);
  const diagnostics = [...d.diagnostics, ...keptDiagnoses(ctx, now)];
  return {
    cluster: ctx.config.cluster,
    version: state.version,
    now,
    digest: ctx.digest,
    nodes,
    vips,
    diagnostics,
    recentMoves,
  };
}

export interface PlanReport {
  now: number;
  version: number;
  /** What a tick would commit now. */
  moves: Move[];
  /** Reasons of VIPs that are not simply stable. */
  reasons: Record<string, Reason>;
  diagnostics: Diagnostic[];
  /** With `observe`: where providers disagree with the committed state (a tick would repair). */
  drift?: Array<{ vip: string; committed: string | null; provider: string }>;
  observeFailures?: Array<{ provider: string; error: string }>;
}

/** What decide() would do now, without committing anything. Provider reads only when asked. */
export async function plan(ctx: ControlContext, opts: { observe?: boolean } = {}): Promise<PlanReport> {
  const state = await ctx.store.loadGroup(ctx.group);
  const now = ctx.clock.now();
  const d = dryRun(ctx, state, now);
  const reasons = Object.fromEntries(Object.entries(d.reasons).filter(([, r]) => r.code !== 'stable'));
  const report: PlanReport = { now, version: state.version, moves: d.moves, reasons, diagnostics: d.diagnostics };
  if (!opts.observe) return report;
  const { truth, failures } = await observeAll(ctx);
  const drift = findDrift(ctx.config, d.assignments, truth, new Set(d.moves.map((m) => m.vip)));
  // observeAll just diagnosed every provider it read (and kept it); without that store, ask now.
  const providerDiagnostics = ctx.diagnoses
    ? keptDiagnoses(ctx, ctx.clock.now())
    : await diagnoseProviders(ctx, failures);
  return {
    ...report,
    diagnostics: [...report.diagnostics, ...providerDiagnostics],
    drift: drift.map((x) => ({ vip: x.vip.name, committed: x.assignment.node, provider: holderText(x.holding) })),
    observeFailures: failures,
  };
}

/**
 * The providers' findings the drift round kept (Provider.diagnose), each with its age: status
 * costs no provider call (EC2's reads are a shared budget). A provider never diagnosed in this
 * process (a fresh Lambda container, or before the first scheduled reconcile) shows nothing yet.
 */
function keptDiagnoses(ctx: ControlContext, now: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [p, kept] of ctx.diagnoses ?? []) {
    const age = `read ${Math.max(0, Math.round((now - kept.at) / 1000))} s ago by the drift round`;
    for (const d of kept.found)
      out.push({ kind: 'broken', vip: d.vip, nodes: d.nodes, message: `${d.message} (${age})` });
    if (kept.error) out.push({ kind: 'broken', message: `${p.name} could not be diagnosed (${age}): ${kept.error}` });
  }
  return out;
}

/** Providers' own findings (Provider.diagnose), as 'broken' diagnostics: the VIP would move but not work. */
async function diagnoseProviders(
  ctx: ControlContext,
  failures: Array<{ provider: string; error: string }>,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const providers = new Set(ctx.config.vips.map((v) => ctx.providers(v.kind)).filter((p) => p?.diagnose !== undefined));
  for (const p of providers) {
    try {
      for (const d of await p!.diagnose!(ctx.config.vips))
        out.push({ kind: 'broken', vip: d.vip, nodes: d.nodes, message: d.message });
    } catch (err) {
      failures.push({ provider: p!.name, error: `diagnose: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return out;
}

function dryRun(ctx: ControlContext, state: GroupState, now: number) {
  return decide({
    config: ctx.config,
    nodes: viewsOf(state, ctx.config, now),
    assignments: state.assignments,
    now,
    configDigest: ctx.digest,
  });
}
