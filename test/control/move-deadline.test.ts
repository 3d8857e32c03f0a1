import { describe, expect, it } from 'vitest';
import type { Provider } from '../../core/ports';
import { DEFAULT_TUNING, type ControlContext } from '../../control/context';
import { moveDeadlineMs, type MoveJob } from '../../control/execute';

/** Only what moveDeadlineMs reads: the tuning, the provider's declared deadline and the VIP's kind. */
const ctxWith = (tuning: Partial<ControlContext['tuning']>) =>
  ({ tuning: { ...DEFAULT_TUNING, ...tuning } }) as ControlContext;
const provider = (declared?: number) =>
  ({ moveDeadlineMs: declared === undefined ? undefined : () => declared }) as unknown as Provider;
const job = { vip: { kind: 'hetzner-robot-failover-ip' } } as MoveJob;

describe('a move deadline', () => {
  it.each([
    { case: 'the provider declares none: the tuning default', declared: undefined, tuning: {}, want: 20_000 },
    { case: 'the provider declares one: it wins over the default', declared: 150_000, tuning: {}, want: 150_000 },
    {
      case: 'a Lambda invocation cap bounds what the provider wants',
      declared: 150_000,
      tuning: { maxMoveDeadlineMs: 57_000 },
      want: 57_000,
    },
    { case: 'the cap bounds the default too', declared: undefined, tuning: { maxMoveDeadlineMs: 600 }, want: 600 },
    {
      case: 'a cap above the need changes nothing',
      declared: 30_000,
      tuning: { maxMoveDeadlineMs: 60_000 },
      want: 30_000,
    },
  ])('$case', ({ declared, tuning, want }) => {
    expect(moveDeadlineMs(ctxWith(tuning), provider(declared), job)).toBe(want);
  });
});
