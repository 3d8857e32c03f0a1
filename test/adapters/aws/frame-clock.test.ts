import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runMove, type FrameOptions } from '../../../adapters/aws/frame';
import { ProviderError } from '../../../core/reasons';
import { ManualClock } from '../../helpers/manual-clock';

/**
 * The AWS frame on the move's clock (MoveContext.clock), not the adapter's own: a deadline given on
 * the control plane's clock is measured, polled and slept on that clock alone.
 */
function options(clock: ManualClock): FrameOptions {
  return {
    clock,
    logger: pino({ enabled: false }),
    classify: (err) => (err instanceof ProviderError ? err : new ProviderError('transient', String(err))),
    requestTimeoutMs: 5000,
    pollMs: 100,
    pollMaxMs: 400,
    random: () => 0.5,
  };
}

describe('AWS move frame clock', () => {
  it('polls and reads the deadline on ctx.clock when the caller gives one', async () => {
    const adapterClock = new ManualClock(0); // never advanced: a poll on it would hang
    const moveClock = new ManualClock(5_000_000);
    const reads: number[] = [];
    const pending = runMove(
      options(adapterClock),
      { epoch: 1, deadline: moveClock.now() + 1000, clock: moveClock },
      'move test',
      async (f) => {
        expect(f.clock).toBe(moveClock);
        await f.poll(
          'route',
          async () => reads.push(moveClock.now()),
          (n) => (n >= 3 ? 'done' : 'wait'),
        );
        return { changed: true, verifiedAt: f.clock.now() };
      },
    );
    await moveClock.advance(1000);
    const r = await pending;
    expect(r).toMatchObject({ ok: true, verifiedAt: 5_000_300 });
    expect(reads).toEqual([5_000_000, 5_000_100, 5_000_300]);
    expect(adapterClock.pending()).toBe(0);
  });

  it('a deadline on the move clock ends the move when that clock passes it', async () => {
    const adapterClock = new ManualClock(0);
    const moveClock = new ManualClock(5_000_000);
    const pending = runMove(
      options(adapterClock),
      { epoch: 1, deadline: moveClock.now() + 1000, clock: moveClock },
      'move test',
      async (f) => {
        await f.poll(
          'route',
          async () => 'old',
          () => 'wait',
        );
        return { changed: true, verifiedAt: f.clock.now() };
      },
    );
    await moveClock.advance(2000);
    const r = await pending;
    expect(r).toMatchObject({ ok: false, reason: 'transient' });
    expect(!r.ok && r.message).toMatch(/did not show the change before the deadline/);
  });
});
