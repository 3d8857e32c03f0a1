import type { Move } from '../../core/decide';
import type { ControlEvent } from '../../core/ports';

/** Events a peer-mode agent keeps: enough for `ipferry events` after a maintenance window, bounded. */
export const MAX_PEER_EVENTS = 500;

/** The control plane's event id shape (`<ms, 15 digits>#<what>`), so both sort and page alike. */
export function peerEventId(at: number, what: string): string {
  return `${String(Math.max(0, Math.floor(at))).padStart(15, '0')}#${what}`;
}

/**
 * This agent's events, newest last, in memory (peer mode has no store): the operations it learned
 * and the moves it decided, in the control plane's ControlEvent shape. Every peer applies the same
 * operations, so their ids match from node to node; a restarted agent starts with an empty log.
 */
export class PeerEventLog {
  private readonly events: ControlEvent[] = [];
  private readonly ids = new Set<string>();
  /** The node each VIP was last recorded moving to: a move is recorded once, not on every evaluation. */
  private readonly lastTo = new Map<string, string | null>();

  add(event: ControlEvent): void {
    if (this.ids.has(event.id)) return;
    if (event.kind === 'move' && event.vip) this.lastTo.set(event.vip, event.to ?? null);
    this.events.push(event);
    this.ids.add(event.id);
    while (this.events.length > MAX_PEER_EVENTS) this.ids.delete(this.events.shift()!.id);
  }

  /**
   * A decision's moves. Until the old holder lets go every evaluation decides the same move, and
   * after it has let go the move shows as a claim by the same node: recorded once, with the reason
   * it was first decided for (`drain`, `owner-dead`, …). `owners` (the decision's assignments) keep
   * track of where each VIP is, so a move back to an earlier owner is recorded again. Decisions of a
   * node that has not settled (rule 3: it acts on none of them) are not recorded.
   */
  moves(
    moves: readonly Move[],
    owners: ReadonlyArray<{ vip: string; node: string | null }>,
    at: number,
    settled: boolean,
  ): void {
    for (const m of settled ? moves : []) {
      if (this.lastTo.has(m.vip) && this.lastTo.get(m.vip) === m.to) continue;
      this.add({
        id: peerEventId(at, `${m.vip}@${m.epoch}>${m.to ?? '-'}`),
        at,
        kind: 'move',
        vip: m.vip,
        from: m.from,
        to: m.to,
        epoch: m.epoch,
        reason: m.reason,
        detail: m.detail,
      });
    }
    for (const a of owners) this.lastTo.set(a.vip, a.node);
  }

  /** Newest first, as the control plane's /v1/events: `before` is the `next` of the previous page. */
  page(limit: number, before?: string): { events: ControlEvent[]; next?: string } {
    const older = [...this.events]
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .filter((e) => before === undefined || e.id < before);
    const events = older.slice(0, limit);
    return older.length > limit ? { events, next: events[events.length - 1]!.id } : { events };
  }
}
