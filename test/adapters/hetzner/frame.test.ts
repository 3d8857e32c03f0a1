import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runMove, type FrameOptions } from '../../../adapters/hetzner/frame';
import { ProviderError } from '../../../core/reasons';
import { ManualClock } from '../../helpers/manual-clock';

/** The frame every Hetzner move runs in: classification, the deadline, polls. On a manual clock. */
function options(clock: ManualClock): FrameOptions {
  return { clock, logger: pino({ enabled: false }), pollMs: 100, pollMaxMs: 400, random: () => 0.5 };
}

describe('runMove', () => {
  it('turns an unexpected exception into a transient failure that says so', async () => {
    const clock = new ManualClock();
    const r = await runMove(options(clock), { epoch: 1, deadline: clock.now() + 1000 }, async () => {
      throw new TypeError('x is undefined');
    });
    expect(r).toEqual({ ok: false, reason: 'transient', message: 'unexpected error: x is undefined', calls: 0 });
    expect(clock.pending()).toBe(0); // the deadline timer is gone
  });

  it("keeps a ProviderError's reason and counts the calls made before it", async () => {
    const clock = new ManualClock();
    const r = await runMove(options(clock), { epoch: 1, deadline: clock.now() + 1000 }, async (f) => {
      f.calls.add('get_server');
      throw new ProviderError('forbidden', 'token_readonly');
    });
    expect(r).toEqual({ ok: false, reason: 'forbidden', message: 'token_readonly', calls: 1 });
  });

  it("aborts the frame's signal at the deadline and says the deadline passed", async () => {
    const clock = new ManualClock();
    const pending = runMove(
      options(clock),
      { epoch: 1, deadline: clock.now() + 1000 },
      (f) =>
        new Promise((_, reject) =>
          f.signal.addEventListener('abort', () =>
            reject(new ProviderError('transient', 'request aborted', { code: 'aborted' })),
          ),
        ),
    );
    await clock.advance(1000);
    const r = await pending;
    expect(r).toMatchObject({ ok: false, reason: 'transient' });
    expect(!r.ok && r.message).toMatch(/^the deadline passed during the operation \(request aborted\)/);
  });

  it("a caller's abort stops the move too", async () => {
    const clock = new ManualClock();
    const caller = new AbortController();
    const pending = runMove(
      options(clock),
      { epoch: 1, deadline: clock.now() + 60_000, signal: caller.signal },
      async (f) => {
        await f.poll(
          'never',
          async () => 0,
          () => 'wait',
          () => false,
        );
        return { changed: true, verifiedAt: clock.now() };
      },
    );
    await clock.advance(50);
    caller.abort(new ProviderError('transient', 'shutting down', { code: 'aborted' }));
    expect(await pending).toMatchObject({ ok: false, reason: 'transient', message: 'shutting down' });
  });

  it('polls with doubling pauses up to the cap, and gives up as not verified at the deadline', async () => {
    const clock = new ManualClock();
    const reads: number[] = [];
    const pending = runMove(options(clock), { epoch: 1, deadline: clock.now() + 1000 }, async (f) => {
      await f.poll(
        'route',
        async () => reads.push(clock.now()),
        () => 'wait',
        () => false,
      );
      return { changed: true, verifiedAt: clock.now() };
    });
    await clock.advance(1000);
    const r = await pending;
    expect(r).toMatchObject({ ok: false, reason: 'transient' });
    expect(!r.ok && r.message).toMatch(/route: the provider did not show the change before the deadline/);
    const start = reads[0]!;
    expect(reads.map((t) => t - start)).toEqual([0, 100, 300, 700]);
  });

  it('a poll that sees a third state is a conflict at once', async () => {
    const clock = new ManualClock();
    const r = await runMove(options(clock), { epoch: 1, deadline: clock.now() + 1000 }, async (f) => {
      await f.poll(
        'route',
        async () => 'db3',
        (v) => (v === 'db2' ? 'done' : { conflict: `now on ${v}` }),
        () => false,
      );
      return { changed: true, verifiedAt: clock.now() };
    });
    expect(r).toMatchObject({ ok: false, reason: 'conflict', message: 'route: now on db3' });
  });

  it('a deadline already passed fails without running the move', async () => {
    const clock = new ManualClock();
    let ran = false;
    const r = await runMove(options(clock), { epoch: 1, deadline: clock.now() }, async () => {
      ran = true;
      return { changed: false, verifiedAt: 0 };
    });
    expect(r).toMatchObject({ ok: false, reason: 'transient', calls: 0 });
    expect(ran).toBe(false);
  });
});
