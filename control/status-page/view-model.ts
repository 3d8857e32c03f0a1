/**
 * The status page's view model: the JSON of GET /v1/status and GET /v1/events turned into rows of
 * plain strings and numbers, ready to be put into the DOM as text. Pure (no DOM, no clock: ages are
 * measured against the status's own `now`), and defensive: the JSON came over the network, so every
 * field is read as unknown and coerced, never trusted to have the documented shape. This module runs
 * in the browser (bundled into the page's script) and in vitest alike, so it imports only its sibling
 * untrusted.ts, which holds the same rules.
 */
import { ago, duration, list, num, obj, text } from './untrusted';

export { ago, duration, text } from './untrusted';

export type NodeState = 'alive' | 'dead' | 'leaving' | 'unknown';

export interface NodeRow {
  id: string;
  state: NodeState;
  /** "alive (seen 200 ms ago)", "dead (last seen 3 s ago)", "never seen". */
  seen: string;
  draining: boolean;
  checks: Array<{ name: string; ok: boolean }>;
  held: string;
}

export interface VipRow {
  vip: string;
  kind: string;
  owner: string;
  /** The owner's state; an owner that is not alive is flagged on the page. */
  ownerState: NodeState | 'none';
  epoch: string;
  since: string;
  bound: 'yes' | 'no' | 'unknown' | '-';
  reason: string;
  detail: string;
}

export interface DiagnosticRow {
  kind: string;
  /** The VIP (or nodes) it concerns, "(cluster)" when neither. */
  concerns: string;
  message: string;
}

export type StepName = 'detect' | 'decide' | 'api' | 'accepted' | 'verified' | 'bound';

/** A piece of a timeline: a bar from `startPct` wide `widthPct` (0 for a point), on a scale shared by all rows. */
export interface Segment {
  step: StepName;
  startPct: number;
  widthPct: number;
  /** "detect 301 ms", "verified +405 ms". */
  label: string;
}

export interface FailoverRow {
  id: string;
  vip: string;
  from: string;
  to: string;
  epoch: string;
  reason: string;
  when: string;
  outcome: string;
  /** From the old owner's last heartbeat (or the detection) to the last step known. */
  total: string;
  segments: Segment[];
}

export interface EventRow {
  id: string;
  when: string;
  kind: string;
  vip: string;
  detail: string;
}

export interface PageView {
  cluster: string;
  summary: string;
  nodes: NodeRow[];
  vips: VipRow[];
  diagnostics: DiagnosticRow[];
  failovers: FailoverRow[];
  /** The longest failover shown, which the timeline scale spans ("1.3 s"). */
  scale: string;
  events: EventRow[];
}

function nodeState(v: unknown): NodeState {
  return v === 'alive' || v === 'dead' || v === 'leaving' ? v : 'unknown';
}

function nodeRow(raw: unknown): NodeRow {
  const n = obj(raw);
  const state = nodeState(n.state);
  const silent = num(n.silentMs);
  const seen =
    silent === undefined
      ? 'never seen'
      : state === 'alive'
        ? `alive (seen ${ago(silent)})`
        : `${state} (last seen ${ago(silent)})`;
  // A node that is not alive shows neither checks nor holdings: those are its last word, not the truth now.
  const live = state === 'alive';
  const checks = live
    ? Object.entries(obj(n.checks))
        .slice(0, 50)
        .map(([name, ok]) => ({ name: text(name), ok: ok === true }))
    : [];
  return {
    id: text(n.id),
    state,
    seen,
    draining: n.draining === true,
    checks,
    held: live ? list(n.held).map(text).join(', ') || '-' : '-',
  };
}

function vipRow(raw: unknown, states: ReadonlyMap<string, NodeState>, now: number | undefined): VipRow {
  const v = obj(raw);
  const owner = typeof v.node === 'string' ? text(v.node) : '';
  const ownerState = owner === '' ? 'none' : (states.get(owner) ?? 'unknown');
  const since = num(v.since);
  const pinned = obj(v.pinned);
  const detail = [
    typeof v.pinned === 'object' && v.pinned !== null ? `pinned: ${text(pinned.reason)}` : '',
    text(v.detail),
  ]
    .filter(Boolean)
    .join('; ');
  const down = ownerState !== 'alive' && ownerState !== 'none';
  return {
    vip: text(v.vip),
    kind: text(v.kind),
    owner: owner || '(none)',
    ownerState,
    epoch: text(num(v.epoch) ?? 0),
    since: since === undefined || now === undefined ? '-' : ago(now - since),
    bound: v.bound === null || v.bound === undefined ? '-' : down ? 'unknown' : v.bound === true ? 'yes' : 'no',
    reason: text(v.reason),
    detail,
  };
}

function diagnosticRow(raw: unknown): DiagnosticRow {
  const d = obj(raw);
  const concerns = typeof d.vip === 'string' ? text(d.vip) : list(d.nodes).map(text).join(', ');
  return { kind: text(d.kind), concerns: concerns || '(cluster)', message: text(d.message) };
}

const STEPS: ReadonlyArray<{
  step: StepName;
  from: (t: Record<string, number | undefined>) => number | undefined;
  to: (t: Record<string, number | undefined>) => number | undefined;
}> = [
  { step: 'detect', from: (t) => t.lastHeartbeat, to: (t) => t.detected },
  { step: 'decide', from: (t) => t.detected, to: (t) => t.decided },
  { step: 'api', from: (t) => t.apiStart, to: (t) => t.apiDone },
  // Route 53: the change accepted (PENDING), in sync later; a mark like verified and bound.
  { step: 'accepted', from: (t) => t.accepted, to: (t) => t.accepted },
  { step: 'verified', from: (t) => t.verified, to: (t) => t.verified },
  { step: 'bound', from: (t) => t.bound, to: (t) => t.bound },
];

interface Timed {
  origin: number;
  end: number;
  steps: Array<{ step: StepName; from: number; to: number }>;
}

function timed(raw: unknown): Timed | undefined {
  const r = obj(raw);
  const t: Record<string, number | undefined> = {};
  for (const k of ['lastHeartbeat', 'detected', 'decided', 'apiStart', 'accepted', 'apiDone', 'verified', 'bound'])
    t[k] = num(r[k]);
  const origin = t.lastHeartbeat ?? t.detected ?? t.decided;
  if (origin === undefined) return undefined;
  const steps: Timed['steps'] = [];
  for (const s of STEPS) {
    const from = s.from(t);
    const to = s.to(t);
    // A step out of order (clock trouble, a hostile store) is left out rather than drawn backwards.
    if (from !== undefined && to !== undefined && from >= origin && to >= from) steps.push({ step: s.step, from, to });
  }
  return { origin, end: Math.max(origin, ...steps.map((s) => s.to)), steps };
}

function outcomeText(raw: unknown): string {
  const o = obj(raw);
  if (o.ok === true) return o.changed === true ? 'moved' : 'in place';
  if (o.ok === false) return `${o.skipped === true ? 'skipped' : 'failed'} (${text(o.reason)}: ${text(o.message)})`;
  return '';
}

function pct(n: number): number {
  return Math.round(Math.min(100, Math.max(0, n)) * 100) / 100;
}

function failoverRows(moves: unknown[], now: number | undefined): { rows: FailoverRow[]; scale: string } {
  const items = moves.map((m) => ({ e: obj(m), t: timed(obj(m).timeline) }));
  // One scale for every row, so a slow failover looks slow beside a fast one.
  const span = Math.max(1, ...items.map((i) => (i.t ? i.t.end - i.t.origin : 0)));
  const rows = items.map(({ e, t }) => {
    const at = num(e.at);
    const segments: Segment[] = (t?.steps ?? []).map((s) => {
      const point = s.step === 'accepted' || s.step === 'verified' || s.step === 'bound';
      return {
        step: s.step,
        startPct: pct(((s.from - t!.origin) / span) * 100),
        widthPct: pct(((s.to - s.from) / span) * 100),
        label: point ? `${s.step} +${duration(s.to - t!.origin)}` : `${s.step} ${duration(s.to - s.from)}`,
      };
    });
    return {
      id: text(e.id),
      vip: text(e.vip),
      from: typeof e.from === 'string' ? text(e.from) : '-',
      to: typeof e.to === 'string' ? text(e.to) : '-',
      epoch: text(num(e.epoch) ?? ''),
      reason: text(e.reason),
      when: at === undefined || now === undefined ? '-' : ago(now - at),
      outcome: outcomeText(e.outcome),
      total: t && t.end > t.origin ? duration(t.end - t.origin) : '-',
      segments,
    };
  });
  return { rows, scale: duration(span) };
}

function eventRow(raw: unknown, now: number | undefined): EventRow {
  const e = obj(raw);
  const at = num(e.at);
  return {
    id: text(e.id),
    when: at === undefined || now === undefined ? '-' : ago(now - at),
    kind: text(e.kind),
    vip: text(e.vip) || '-',
    detail: text(e.detail),
  };
}

/** The whole page from one GET /v1/status answer and (optionally) one GET /v1/events page. */
export function pageView(statusJson: unknown, eventsJson?: unknown): PageView {
  const s = obj(statusJson);
  const now = num(s.now);
  const nodes = list(s.nodes).map(nodeRow);
  const states = new Map(nodes.map((n) => [n.id, n.state]));
  const { rows: failovers, scale } = failoverRows(list(s.recentMoves), now);
  const version = num(s.version);
  return {
    cluster: text(s.cluster),
    summary: [
      version === undefined ? '' : `version ${version}`,
      typeof s.digest === 'string' ? `digest ${text(s.digest)}` : '',
      now === undefined ? '' : `as of ${new Date(now).toISOString().slice(11, 19)} UTC`,
    ]
      .filter(Boolean)
      .join(' · '),
    nodes,
    vips: list(s.vips).map((v) => vipRow(v, states, now)),
    diagnostics: list(s.diagnostics).map(diagnosticRow),
    failovers,
    scale,
    events: list(obj(eventsJson).events).map((e) => eventRow(e, now)),
  };
}
