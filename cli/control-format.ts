import type { ControlEvent, FailoverTimeline } from '../core/ports';
import type { PlanReport, StatusReport } from '../control/status';
import type { TickMove } from '../control/tick';
import { clock, ms, table } from './table';
import { termSafe } from './terminal-text';

/** Tables for people; --json prints the API's answers as they are. */
export function formatStatus(s: StatusReport): string {
  const nodes = table(
    ['NODE', 'STATE', 'LAST HEARD', 'DRAINING', 'CHECKS', 'HELD'],
    s.nodes.map((n) => [
      n.id,
      n.state,
      n.silentMs === null ? 'never' : `${ms(n.silentMs)} ago`,
      n.draining ? 'yes' : '-',
      Object.entries(n.checks).map(([c, ok]) => `${c} ${ok ? 'ok' : 'FAIL'}`).join(', ') || '-',
      n.held.join(', ') || '-',
    ]),
  );
  const vips = table(
    ['VIP', 'KIND', 'OWNER', 'EPOCH', 'BOUND', 'REASON', 'DETAIL'],
    s.vips.map((v) => [
      v.vip,
      v.kind,
      v.node ?? '(none)',
      String(v.epoch),
      v.bound === null ? '-' : v.bound ? 'yes' : 'no',
      v.reason,
      [v.pinned ? `pinned: ${v.pinned.reason}` : '', v.detail].filter(Boolean).join('; '),
    ]),
  );
  const parts = [`cluster ${termSafe(s.cluster)}  version ${termSafe(s.version)}  digest ${termSafe(s.digest)}`, '', nodes, '', vips];
  if (s.diagnostics.length > 0) parts.push('', 'diagnostics:', ...s.diagnostics.map((d) => `  ${termSafe(d.kind)}: ${termSafe(d.message)}`));
  if (s.recentMoves.length > 0) parts.push('', 'recent moves:', formatEvents({ events: s.recentMoves }, s.now));
  return parts.join('\n');
}

export function formatEvents(page: { events: ControlEvent[]; next?: string }, now = Date.now()): string {
  const rows = page.events.map((e) => [
    clock(e.at, now),
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
  const parts = [p.moves.length === 0 ? `nothing to do (version ${p.version})` : table(['VIP', 'MOVE', 'EPOCH', 'REASON', 'DETAIL'], p.moves.map((m) => [m.vip, `${m.from ?? '-'}→${m.to ?? '-'}`, String(m.epoch), m.reason, m.detail]))];
  const waiting = Object.entries(p.reasons).filter(([vip]) => !p.moves.some((m) => m.vip === vip));
  if (waiting.length > 0) parts.push('', table(['VIP', 'REASON', 'DETAIL'], waiting.map(([vip, r]) => [vip, r.code, r.detail])));
  if (p.drift && p.drift.length > 0) parts.push('', 'drift (a reconcile would repair):', table(['VIP', 'COMMITTED', 'PROVIDER SAYS'], p.drift.map((d) => [d.vip, d.committed ?? '-', d.provider])));
  for (const f of p.observeFailures ?? []) parts.push(`could not read ${termSafe(f.provider)}: ${termSafe(f.error)}`);
  if (p.diagnostics.length > 0) parts.push('', 'diagnostics:', ...p.diagnostics.map((d) => `  ${termSafe(d.kind)}: ${termSafe(d.message)}`));
  return parts.join('\n');
}

export function formatMove(m: TickMove): string {
  const what = outcome({ outcome: m.outcome }) || 'recorded; the new owner\'s agent binds it';
  return `${termSafe(m.vip)} ${termSafe(m.from ?? '-')}→${termSafe(m.to ?? '-')} epoch ${termSafe(m.epoch)} (${termSafe(m.reason)}): ${termSafe(what)} ${timeline(m.timeline)}`.trim();
}

function outcome(e: Pick<ControlEvent, 'outcome'>): string {
  const o = e.outcome;
  if (!o) return '';
  return o.ok ? (o.changed ? 'moved' : 'in place') : `${'skipped' in o && o.skipped ? 'skipped' : 'failed'} (${o.reason}: ${o.message})`;
}

/** detect/decide/api/bound, measured from the old owner's last heartbeat where there is one. */
function timeline(t: FailoverTimeline | undefined): string {
  if (!t) return '';
  const from = t.lastHeartbeat ?? t.detected;
  if (from === undefined) return '';
  const parts = [
    t.lastHeartbeat !== undefined && t.detected !== undefined ? `detect ${ms(t.detected - t.lastHeartbeat)}` : '',
    t.decided !== undefined && t.detected !== undefined ? `decide ${ms(t.decided - t.detected)}` : '',
    t.apiStart !== undefined && t.apiDone !== undefined ? `api ${ms(t.apiDone - t.apiStart)}` : '',
    t.verified !== undefined ? `verified +${ms(t.verified - from)}` : '',
    t.bound !== undefined ? `bound +${ms(t.bound - from)}` : '',
  ];
  return termSafe(parts.filter(Boolean).join(' '));
}
