import { describe, expect, it } from 'vitest';
import { formatEvents } from '../../cli/control-format';
import type { ControlEvent } from '../../core/ports';

/** The CLI's events table for Route 53 moves: accepted then in sync, or accepted and not in sync by the deadline. */
const T0 = 1_700_000_000_000;
function move(timeline: ControlEvent['timeline']): ControlEvent {
  return {
    id: `${T0}#m`,
    at: T0,
    kind: 'move',
    vip: 'webmail',
    from: 'a',
    to: 'b',
    epoch: 3,
    reason: 'owner-dead',
    detail: '',
    timeline,
    outcome: { ok: true, changed: true, calls: 9 },
  };
}

describe('events table: the accepted step', () => {
  it("shows accepted and verified, each from the old owner's last heartbeat", () => {
    const text = formatEvents(
      {
        events: [
          move({
            lastHeartbeat: T0 - 5000,
            detected: T0 - 2000,
            decided: T0 - 1990,
            apiStart: T0 - 1980,
            accepted: T0 - 1500,
            apiDone: T0 + 28_000,
            verified: T0 + 28_000,
          }),
        ],
      },
      T0 + 60_000,
    );
    expect(text).toContain('accepted +3.5s');
    expect(text).toContain('verified +33s');
    expect(text).toMatch(/\bmoved\b/);
    expect(text).not.toContain('not in sync');
  });

  it('says in sync never came when the move ended accepted without a verified mark', () => {
    const text = formatEvents(
      {
        events: [
          move({
            lastHeartbeat: T0 - 5000,
            detected: T0 - 2000,
            apiStart: T0 - 1980,
            accepted: T0 - 1500,
            apiDone: T0 + 88_000,
          }),
        ],
      },
      T0 + 100_000,
    );
    expect(text).toContain('moved (accepted, not in sync yet)');
    expect(text).toContain('accepted +3.5s');
    expect(text).toContain('not in sync by the deadline');
    expect(text).not.toContain('verified');
  });
});
