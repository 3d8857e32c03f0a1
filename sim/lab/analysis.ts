import type { ArpRound } from './arp-watch';
import type { ProbeTimeline, TcpProbe, UdpProbe } from './prober';

export interface ProbeAnalysis {
  faultAt: number;
  /**
   * The longest client-visible gap touching the time after the fault: from the first unanswered
   * UDP probe of a run to the first answered one after it (0 when no probe went unanswered).
   */
  outageMs: number;
  /** False when the VIP never answered again before probing ended (outageMs then runs to the end). */
  recovered: boolean;
  /** The same for TCP connects, or null when no TCP probe ran. */
  tcpOutageMs: number | null;
  /** Largest number of distinct hosts answering one UDP probe or one ARP request. */
  maxDistinctResponders: number;
  /** UDP answers per host over the whole run. */
  answeredBy: Record<string, number>;
  /** Runs of consecutive answered UDP probes by the same host, in order. */
  segments: Array<{ by: string; from: number; to: number; probes: number }>;
  /** The first answer after the outage (who took over, and when), or null. */
  firstAnswerAfterOutage: { by: string; at: number } | null;
  udp: { sent: number; answered: number };
}

/** Reads a prober's timeline (and optionally an ARP watch's rounds) against the time of a fault. */
export function analyze(timeline: ProbeTimeline, opts: { faultAt: number; arp?: readonly ArpRound[] }): ProbeAnalysis {
  const udp = [...timeline.udp].sort((a, b) => a.seq - b.seq);
  const end = timeline.endedAt ?? Math.max(timeline.startedAt, ...udp.map((p) => p.sentAt));
  const gap = longestGap(
    udp.map((p) => ({ at: p.sentAt, ok: p.replies.length > 0 })),
    opts.faultAt,
    end,
  );
  const tcp = [...timeline.tcp].sort((a, b) => a.sentAt - b.sentAt);
  const tcpGap = tcp.length === 0 ? null : longestGap(tcp.map(tcpPoint), opts.faultAt, end);
  const answeredBy: Record<string, number> = {};
  for (const p of udp) for (const r of p.replies) answeredBy[r.by] = (answeredBy[r.by] ?? 0) + 1;
  const perProbe = Math.max(0, ...udp.map((p) => new Set(p.replies.map((r) => r.by)).size));
  const perArp = Math.max(0, ...(opts.arp ?? []).map((r) => new Set(r.hosts).size));
  const after = gap.endAt === null ? undefined : udp.find((p) => p.sentAt >= gap.endAt! && p.replies.length > 0);
  return {
    faultAt: opts.faultAt,
    outageMs: gap.ms,
    recovered: gap.recovered,
    tcpOutageMs: tcpGap?.ms ?? null,
    maxDistinctResponders: Math.max(perProbe, perArp),
    answeredBy,
    segments: segments(udp),
    firstAnswerAfterOutage: after ? { by: after.replies[0]!.by, at: after.replies[0]!.at } : null,
    udp: { sent: udp.length, answered: udp.filter((p) => p.replies.length > 0).length },
  };
}

function tcpPoint(p: TcpProbe): { at: number; ok: boolean } {
  return { at: p.sentAt, ok: p.by !== null };
}

/**
 * Runs of failed points; a run counts when it ends after `faultAt` (runs wholly before the fault
 * are not the fault's). Its length: first failure → first success after it (or `end`).
 */
function longestGap(points: Array<{ at: number; ok: boolean }>, faultAt: number, end: number) {
  let best = { ms: 0, recovered: true, endAt: null as number | null };
  let runStart: number | null = null;
  for (const p of points) {
    if (!p.ok) {
      runStart ??= p.at;
      continue;
    }
    if (runStart !== null && p.at > faultAt && p.at - runStart > best.ms)
      best = { ms: p.at - runStart, recovered: true, endAt: p.at };
    runStart = null;
  }
  if (runStart !== null && end > faultAt && end - runStart > best.ms)
    best = { ms: end - runStart, recovered: false, endAt: null };
  if (runStart !== null && end > faultAt) best.recovered = false;
  return best;
}

function segments(udp: UdpProbe[]): ProbeAnalysis['segments'] {
  const out: ProbeAnalysis['segments'] = [];
  for (const p of udp) {
    const r = p.replies[0];
    if (!r) continue;
    const last = out[out.length - 1];
    if (last && last.by === r.by) {
      last.to = r.at;
      last.probes++;
    } else out.push({ by: r.by, from: r.at, to: r.at, probes: 1 });
  }
  return out;
}
