import type { ControlEvent } from '../../core/ports';
import { termSafe as esc } from '../terminal-text';

/** One move as the demo reports it, every line with the same keys: times in ms from the crash (or the return). */
export interface FailoverReport {
  /** failover: the owner was killed; return: it came back and took its VIPs home. */
  event: 'failover' | 'return';
  /** The emulator the move went through (ec2, route53, hetzner, robot). */
  provider: string;
  vip: string;
  from: string | null;
  to: string | null;
  reason: string;
  /**
   * verified: the provider's state was read back and matched; accepted: the provider accepted the
   * change at accepted_ms and propagated it (Route 53: in sync at total_ms); failed: the move failed.
   */
  state: 'verified' | 'accepted' | 'failed';
  detect_ms: number;
  decide_ms: number;
  api_ms: number;
  /** Crash → the provider accepted the change; null where it has no such step (all but Route 53). */
  accepted_ms: number | null;
  /** Crash → verified at the provider (Route 53: in sync). */
  total_ms: number;
  /** null where no host binds the VIP (an Elastic IP, a DNS record). */
  bound_ms: number | null;
  /** The emulator's calls from the crash (or return) until the moves were done, by action: every VIP of this failover. */
  calls: Record<string, number>;
  /** Of those, the ones that failed, by error code (a Robot FAILOVER_LOCKED would show here). */
  errors: Record<string, number>;
}

/** What the demo adds to each line: where the moves went through and what the emulator served meanwhile. */
export type ReportExtra = Pick<FailoverReport, 'provider' | 'calls' | 'errors'>;

/** The phases of a move's timeline, in the order they happen, as the demo narrates them ('accepted': Route 53 only). */
const PHASES = [
  ['detected', 'detected'],
  ['decided', 'decided and committed'],
  ['apiStart', 'provider call started'],
  ['accepted', 'accepted by the provider (propagating)'],
  ['verified', 'verified at the provider'],
  ['bound', 'bound by the new owner (from its heartbeat)'],
] as const;

/**
 * Follows the move events of one failover and says each phase once, as it appears; done when
 * every event has been verified and bound (or failed).
 */
export class FailoverWatch {
  private readonly said = new Set<string>();

  constructor(
    private readonly crashAt: number,
    private readonly from: string,
    private readonly print: (line: string) => void,
    /** VIPs an agent binds on its host (the others, e.g. Elastic IPs, are done once verified). */
    private readonly hostBound: ReadonlySet<string>,
  ) {}

  /** Events of this failover among those listed (newest first). */
  relevant(events: readonly ControlEvent[]): ControlEvent[] {
    return events.filter((e) => e.kind === 'move' && e.from === this.from && e.at >= this.crashAt).reverse();
  }

  /** Says what is new among the events; true when it said anything. */
  update(events: readonly ControlEvent[]): boolean {
    const lines: Array<[number, string]> = [];
    const once = (key: string, at: number, text: string) => {
      if (this.said.has(key)) return;
      this.said.add(key);
      lines.push([at, `${stamp(at - this.crashAt)}  ${text}`]);
    };
    for (const e of this.relevant(events)) {
      const tl = e.timeline ?? {};
      once(`${e.id}:move`, tl.decided ?? e.at, moveLine(e));
      for (const [key, words] of PHASES) {
        const at = tl[key];
        if (at === undefined) continue;
        const extra =
          key === 'verified' && tl.apiStart !== undefined && tl.apiDone !== undefined
            ? ` (API ${esc(tl.apiDone - tl.apiStart)} ms, ${esc(e.outcome?.calls ?? '?')} calls)`
            : '';
        // A change that propagates (Route 53) is verified when the provider says it is in sync.
        const said = key === 'verified' && tl.accepted !== undefined ? 'in sync at the provider (verified)' : words;
        once(`${e.id}:${key}`, at, `  ${esc(e.vip)}: ${said}${extra}`);
      }
      if (e.outcome && !e.outcome.ok)
        once(
          `${e.id}:failed`,
          e.at,
          `  ${esc(e.vip)}: provider call failed: ${esc(e.outcome.reason)}: ${esc(e.outcome.message)}`,
        );
    }
    for (const [, line] of lines.sort((a, b) => a[0] - b[0])) this.print(line);
    return lines.length > 0;
  }

  /** Done when every move of this failover is verified and bound (or has failed). */
  done(events: readonly ControlEvent[], expected: number): boolean {
    const moves = this.relevant(events);
    const finished = (e: ControlEvent) =>
      e.timeline?.verified !== undefined && (e.timeline.bound !== undefined || !this.hostBound.has(e.vip ?? ''));
    return moves.length >= expected && moves.every((e) => finished(e) || e.outcome?.ok === false);
  }

  reports(events: readonly ControlEvent[], event: FailoverReport['event'], extra: ReportExtra): FailoverReport[] {
    return this.relevant(events).map((e) => {
      const t = e.timeline ?? {};
      const detected = t.detected ?? e.at;
      const state = e.outcome?.ok === false ? 'failed' : t.accepted !== undefined ? 'accepted' : 'verified';
      return {
        event,
        provider: extra.provider,
        vip: e.vip!,
        from: e.from ?? null,
        to: e.to ?? null,
        reason: e.reason ?? 'unknown',
        state,
        detect_ms: detected - this.crashAt,
        decide_ms: (t.decided ?? detected) - detected,
        api_ms: t.apiStart !== undefined && t.apiDone !== undefined ? t.apiDone - t.apiStart : 0,
        accepted_ms: t.accepted !== undefined ? t.accepted - this.crashAt : null,
        total_ms: (t.verified ?? t.decided ?? detected) - this.crashAt,
        bound_ms: t.bound !== undefined ? t.bound - this.crashAt : null,
        calls: extra.calls,
        errors: extra.errors,
      };
    });
  }
}

/** "web: web1 → web2  owner-dead  (why)", every part escaped: events carry what nodes reported. */
export function moveLine(e: Pick<ControlEvent, 'vip' | 'from' | 'to' | 'reason' | 'detail'>): string {
  return `${esc(e.vip)}: ${esc(e.from ?? '-')} → ${esc(e.to ?? '-')}  ${esc(e.reason)}  (${esc(e.detail)})`;
}

export function stamp(ms: number): string {
  return `t+${(ms / 1000).toFixed(2)}s`.padEnd(9);
}
