import type { Assignment, Move } from '../core/decide';
import type { ControlEvent, FailoverTimeline } from '../core/ports';

/** Event ids sort by time (15 digits of ms) and name what happened, so re-writing one merges into it. */
export function eventId(at: number, what: string): string {
  return `${String(Math.max(0, Math.floor(at))).padStart(15, '0')}#${what}`;
}

/**
 * The id of the event of the move that produced an assignment. Derived from the assignment alone
 * (`since` is when the decision was made), so a heartbeat that finds the new owner bound can mark
 * the event's timeline without looking it up.
 */
export function moveEventId(a: Pick<Assignment, 'vip' | 'epoch' | 'since'>): string {
  return eventId(a.since, `${a.vip}@${a.epoch}`);
}

export function moveEvent(move: Move, next: Assignment, timeline: FailoverTimeline): ControlEvent {
  return {
    id: moveEventId(next),
    at: next.since,
    kind: 'move',
    vip: move.vip,
    from: move.from,
    to: move.to,
    epoch: move.epoch,
    reason: move.reason,
    detail: move.detail,
    timeline,
  };
}
