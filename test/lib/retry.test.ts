import { describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock';
import { backoffDelay, retryableOrConflict, withRetry } from '../../lib/retry';
import type { Clock } from '../../core/clock';
import { ProviderError } from '../../core/reasons';

/** A clock whose sleep advances time at once and remembers every wait. */
function fakeClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    setTimer: () => {
      throw new Error('withRetry only sleeps');
    },
  };
}

/** An operation that fails with the given errors in turn, then succeeds. */
function failing(errors: Error[]) {
  let calls = 0;
  const op = async () => {
    calls++;
    const err = errors.shift();
    if (err) throw err;
    return 'done';
  };
  return { op, calls: () => calls };
}

const transient = () => new ProviderError('transient', '503');

describe('withRetry', () => {
  it('returns the first success without waiting', async () => {
    const clock = fakeClock();
    await expect(withRetry(async () => 42, { clock, deadlineMs: 1000 })).resolves.toBe(42);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries throttled and transient failures with exponential backoff and full jitter', async () => {
    const clock = fakeClock();
    const { op, calls } = failing([transient(), new ProviderError('throttled', '429'), transient()]);
    const result = await withRetry(op, { clock, deadlineMs: 10_000, random: () => 0.5, baseDelayMs: 100 });
    expect(result).toBe('done');
    expect(calls()).toBe(4);
    expect(clock.sleeps).toEqual([50, 100, 200]);
  });

  it('waits at least the retryAfterMs the provider asked for', async () => {
    const clock = fakeClock();
    const { op } = failing([new ProviderError('throttled', '429', { retryAfterMs: 1500 })]);
    await withRetry(op, { clock, deadlineMs: 10_000, random: () => 0.1 });
    expect(clock.sleeps).toEqual([1500]);
  });

  it('does not sleep past the deadline and throws the last error itself', async () => {
    const clock = fakeClock();
    const last = new ProviderError('throttled', 'still limited', { retryAfterMs: 800 });
    const { op, calls } = failing([transient(), last]);
    const err = await withRetry(op, { clock, deadlineMs: 500, random: () => 0.99 }).catch((e: unknown) => e);
    expect(err).toBe(last);
    expect(calls()).toBe(2);
    expect(clock.sleeps).toEqual([99]);
  });

  it('does not retry not-found, forbidden, invalid, or plain conflicts', async () => {
    for (const reason of ['not-found', 'forbidden', 'invalid', 'conflict'] as const) {
      const clock = fakeClock();
      const { op, calls } = failing([new ProviderError(reason, reason)]);
      await expect(withRetry(op, { clock, deadlineMs: 10_000 })).rejects.toMatchObject({ reason });
      expect(calls()).toBe(1);
    }
  });

  it('retries conflicts whose code clears by itself when asked to', async () => {
    const clock = fakeClock();
    const policy = retryableOrConflict(['locked']);
    const { op, calls } = failing([new ProviderError('conflict', 'locked', { code: 'locked' })]);
    await expect(withRetry(op, { clock, deadlineMs: 10_000, shouldRetry: policy })).resolves.toBe('done');
    expect(calls()).toBe(2);
    expect(policy(new ProviderError('conflict', 'x', { code: 'floating_ip_assigned' }))).toBe(false);
    expect(policy(new Error('plain'))).toBe(false);
  });

  it('stops after maxAttempts and reports each retry', async () => {
    const clock = fakeClock();
    const seen: number[] = [];
    const { op, calls } = failing([transient(), transient(), transient()]);
    await expect(
      withRetry(op, { clock, deadlineMs: 60_000, maxAttempts: 2, onRetry: (i) => seen.push(i.attempt) }),
    ).rejects.toMatchObject({ reason: 'transient' });
    expect(calls()).toBe(2);
    expect(seen).toEqual([1]);
  });
});

describe('backoffDelay and systemClock', () => {
  it('caps the jitter window at maxDelayMs', () => {
    expect(backoffDelay(20, transient(), { random: () => 0.999999, baseDelayMs: 100, maxDelayMs: 2000 })).toBe(1999);
  });

  it('reports the last failure, not the abort, when the wait between attempts is cut short', async () => {
    const ac = new AbortController();
    const throttled = new ProviderError('throttled', 'RequestLimitExceeded');
    const pending = withRetry(
      async () => {
        throw throttled;
      },
      { clock: systemClock, deadlineMs: 60_000, baseDelayMs: 5_000, random: () => 0.99, signal: ac.signal },
    );
    setTimeout(() => ac.abort(new ProviderError('transient', 'the deadline was reached', { code: 'deadline' })), 20);
    await expect(pending).rejects.toBe(throttled);
  });

  it('reports the failure before an attempt the abort cut off, not the abort', async () => {
    const ac = new AbortController();
    const locked = new ProviderError('conflict', 'FAILOVER_LOCKED', { code: 'FAILOVER_LOCKED' });
    const aborted = new ProviderError('transient', 'request aborted', { code: 'aborted' });
    const clock = fakeClock();
    let attempts = 0;
    const pending = withRetry(
      async () => {
        attempts++;
        if (attempts === 1) throw locked;
        ac.abort(new Error('deadline'));
        throw aborted;
      },
      { clock, deadlineMs: 60_000, shouldRetry: retryableOrConflict(['FAILOVER_LOCKED']), signal: ac.signal },
    );
    await expect(pending).rejects.toBe(locked);
    expect(attempts).toBe(2);
  });

  it('lets a signal cut a real sleep short', async () => {
    const ac = new AbortController();
    const sleeping = systemClock.sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await expect(systemClock.sleep(1)).resolves.toBeUndefined();
  });
});
