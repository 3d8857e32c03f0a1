import type { ControlEvent, FailoverTimeline } from '../core/ports';
import type { NodeStatus, PlanReport, StatusReport } from '../control/status';
import type { Diagnostic } from '../core/decide';
import type { TickMove } from '../control/tick';
import { ago, clock, ms, table } from './table';
import { termSafe } from './terminal-text';

/**
 * Tables for people; --json prints the API's answers as they are. A node that is not alive shows
 * neither checks nor holdings: those are its last heartbeat's word, not the truth now.
 */
export function formatStatus(s: StatusReport): string {
  const alive = new Set(s.nodes.filter((n) => n.state === 'alive').map((n) => n.id));
  const nodes = table(
    ['NODE', 'STATE', 'DRAINING', 'CHECKS', 'HELD'],
    s.nodes.map((n) => [
      n.id,
      nodeState(n),
      n.draining ? 'yes' : '-',
      alive.has(n.id)
        ? Object.entries(n.checks)
            .map(([c, ok]) => `${c} ${ok ? 'ok' : 'FAIL'}`)
            .join(', ') || '-'
        : '-',
      alive.has(n.id) ? n.held.join(', ') || '-' : '-',
    ]),
  );
  const states = new Map(s.nodes.map((n) => [n.id, n.state]));
  const vips = table(
    ['VIP', 'KIND', 'OWNER', 'EPOCH', 'SINCE', 'BOUND', 'REASON', 'DETAIL'],
    s.vips.map((v) => {
      const ownerDown = v.node !== null && !alive.has(v.node);
      return [
        v.vip,
        v.kind,
        v.node === null ? '(none)' : ownerDown ? `${v.node} (${states.get(v.node) ?? 'unknown'})` : v.node,
        String(v.epoch),
        v.since === null ? '-' : ago(s.now - v.since),
        v.bound === null ? '-' : ownerDown ? 'unknown' : v.bound ? 'yes' : 'no',
        v.reason,
        [v.pinned ? `pinned: ${v.pinned.reason}` : '', v.detail].filter(Boolean).join('; '),
      ];
    }),
  );
  const parts = [
    `cluster ${termSafe(s.cluster)}  version ${termSafe(s.version)}  digest ${termSafe(s.digest)}`,
    '',
    nodes,
    '',
    vips,
  ];
  if (s.diagnostics.length > 0) parts.push('', 'diagnostics:', formatDiagnostics(s.diagnostics));
  if (s.recentMoves.length > 0) parts.push('', 'recent moves:', formatEvents({ events: s.recentMoves }, s.now));
  return parts.join('\n');
}

/** "alive (seen 200 ms ago)", "DEAD (last seen 3 s ago)", "never seen". */
function nodeState(n: NodeStatus): string {
  if (n.silentMs === null || n.state === 'unknown')
    return n.lastSeen === null ? 'never seen' : `unknown (last seen ${ago(n.silentMs)})`;
  if (n.state === 'alive') return `alive (seen ${ago(n.silentMs)})`;
  return `${n.state === 'dead' ? 'DEAD' : n.state} (last seen ${ago(n.silentMs)})`;
}

/** One line per kind and message, naming the VIPs (or nodes) it concerns, so five unowned VIPs read as such. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const groups = new Map<string, { kind: string; message: string; subjects: string[] }>();
  for (const d of diagnostics) {
    const subject = d.vip ?? d.nodes?.join(', ') ?? '';
    const message =
      subject && d.message.startsWith(`${subject}:`) ? d.message.slice(subject.length + 1).trim() : d.message;
    const key = `${d.kind}\u0000${message}`;
    const g = groups.get(key) ?? { kind: d.kind, message, subjects: [] };
    if (subject && !g.subjects.includes(subject)) g.subjects.push(subject);
    groups.set(key, g);
  }
  return table(
    ['  KIND', 'CONCERNS', 'WHY'],
    [...groups.values()].map((g) => [`  ${g.kind}`, g.subjects.join(', ') || '(cluster)', g.message]),
  );
}

export function formatEvents(page: { events: ControlEvent[]; next?: string }, now = Date.now()): string {
  const rows = page.events.map((e) => [
    `${clock(e.at, now)} (${ago(now - e.at)})`,
    e.kind,
    e.vip ?? '-',
    e.kind === 'move' ? `${e.from ?? '-'}→${e.to ?? '-'}` : '',
    e.epoch === undefined ? '' : String(e.epoch),
    e.reason ?? '',
    outcome(e),
    timeline(e.timeline),
    e.detail,
  ]);
  const text = table(['TIME', 'KIND', 'VIP', 'MOVE', 'EPOCH', 'REASON', 'OUTCOME', 'TIMELINE', 'DETAIL'], rows);
  return page.next ? `${text}\n(more: --before ${page.next})` : text;
}

export function formatPlan(p: PlanReport): string {
  const parts = [
    p.moves.length === 0
      ? `nothing to do (version ${p.version})`
      : table(
          ['VIP', 'MOVE', 'EPOCH', 'REASON', 'DETAIL'],
          p.moves.map((m) => [m.vip, `${m.from ?? '-'}→${m.to ?? '-'}`, String(m.epoch), m.reason, m.detail]),
        ),
  ];
  const waiting = Object.entries(p.reasons).filter(([vip]) => !p.moves.some((m) => m.vip === vip));
  if (waiting.length > 0)
    parts.push(
      '',
      table(
        ['VIP', 'REASON', 'DETAIL'],
        waiting.map(([vip, r]) => [vip, r.code, r.detail]),
      ),
    );
  if (p.drift && p.drift.length > 0)
    parts.push(
      '',
      'drift (a reconcile would repair):',
      table(
        ['VIP', 'COMMITTED', 'PROVIDER SAYS'],
        p.drift.map((d) => [d.vip, d.committed ?? '-', d.provider]),
      ),
    );
  for (const f of p.observeFailures ?? []) parts.push(`could not read ${termSafe(f.provider)}: ${termSafe(f.error)}`);
  if (p.diagnostics.length > 0) parts.push('', 'diagnostics:', formatDiagnostics(p.diagnostics));
  return parts.join('\n');
}

export function formatMove(m: TickMove): string {
  const what =
    outcome({ outcome: m.outcome, ...(m.timeline ? { timeline: m.timeline } : {}) }) ||
    "recorded; the new owner's agent binds it";
  return `${termSafe(m.vip)} ${termSafe(m.from ?? '-')}→${termSafe(m.to ?? '-')} epoch ${termSafe(m.epoch)} (${termSafe(m.reason)}): ${termSafe(what)} ${timeline(m.timeline)}`.trim();
}

/** A change the provider accepted but did not show done by the deadline (Route 53 PENDING) is moved, and says so. */
function outcome(e: Pick<ControlEvent, 'outcome' | 'timeline'>): string {
  const o = e.outcome;
  if (!o) return '';
  if (o.ok && o.changed && e.timeline?.accepted !== undefined && e.timeline.verified === undefined)
    return 'moved (accepted, not in sync yet)';
  return o.ok
    ? o.changed
      ? 'moved'
      : 'in place'
    : `${'skipped' in o && o.skipped ? 'skipped' : 'failed'} (${o.reason}: ${o.message})`;
}

/**
 * detect/decide/api/accepted/verified/bound, measured from the old owner's last heartbeat where
 * there is one. Route 53 marks 'accepted' (the change taken, PENDING); a move that ended accepted
 * without a verified mark says in-sync never came before the deadline.
 */
function timeline(t: FailoverTimeline | undefined): string {
  if (!t) return '';
  const from = t.lastHeartbeat ?? t.detected;
  if (from === undefined) return '';
  const parts = [
    t.lastHeartbeat !== undefined && t.detected !== undefined ? `detect ${ms(t.detected - t.lastHeartbeat)}` : '',
    t.decided !== undefined && t.detected !== undefined ? `decide ${ms(t.decided - t.detected)}` : '',
    t.apiStart !== undefined && t.apiDone !== undefined ? `api ${ms(t.apiDone - t.apiStart)}` : '',
    t.accepted !== undefined ? `accepted +${ms(t.accepted - from)}` : '',
    t.verified !== undefined
      ? `verified +${ms(t.verified - from)}`
      : t.accepted !== undefined
        ? 'not in sync by the deadline'
        : '',
    t.bound !== undefined ? `bound +${ms(t.bound - from)}` : '',
  ];
  return termSafe(parts.filter(Boolean).join(' '));
}
