import type { Clock } from '../core/clock';
import { ProviderError, isRetryable } from '../core/reasons';

/**
 * Retrying a provider call within a deadline: exponential backoff with full jitter (the delay
 * before attempt n+1 is uniform in [0, min(maxDelay, base·2^(n-1))]), never shorter than a
 * `retryAfterMs` the provider asked for, and never sleeping past the deadline: when the next
 * attempt could not start in time, the last error is thrown as it was (its reason intact).
 * Time and randomness are injected so tests can drive both.
 */
export interface RetryOptions {
  clock: Clock;
  /** The whole budget, from the first attempt, in ms. */
  deadlineMs: number;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
  /** Default 100 ms. */
  baseDelayMs?: number;
  /** Default 5 s. */
  maxDelayMs?: number;
  /** Default unlimited (the deadline bounds the attempts). */
  maxAttempts?: number;
  /** Which failures to retry. Default: ProviderErrors whose reason is throttled or transient. */
  shouldRetry?: (err: unknown) => boolean;
  /** Told before each wait, e.g. to log. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Stops waiting (the sleep rejects with the signal's reason). */
  signal?: AbortSignal;
}

export async function withRetry<T>(op: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const shouldRetry = opts.shouldRetry ?? retryableReason;
  const maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
  const deadline = opts.clock.now() + opts.deadlineMs;
  let previous: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      // An attempt cut off by the abort (the deadline, usually) says only "aborted"; the failure
      // before it ("still locked", "still throttled") is what the caller needs to hear.
      if (opts.signal?.aborted && previous !== undefined) throw previous;
      previous = err;
      if (!shouldRetry(err) || attempt >= maxAttempts) throw err;
      const delayMs = backoffDelay(attempt, err, opts);
      if (opts.clock.now() + delayMs >= deadline) throw err;
      opts.onRetry?.({ attempt, delayMs, error: err });
      // Aborted while waiting (the deadline's timer can fire a hair before ours): the last failure
      // is what the caller needs to hear ("still throttled"), not the abort.
      await opts.clock.sleep(delayMs, opts.signal).catch(() => {
        throw err;
      });
    }
  }
}

/** The wait after failed attempt `attempt` (1-based). */
export function backoffDelay(
  attempt: number,
  err: unknown,
  opts: Pick<RetryOptions, 'random' | 'baseDelayMs' | 'maxDelayMs'>,
): number {
  const base = opts.baseDelayMs ?? 100;
  const cap = Math.min(opts.maxDelayMs ?? 5000, base * 2 ** (attempt - 1));
  const jittered = Math.floor((opts.random ?? Math.random)() * cap);
  const hint = err instanceof ProviderError ? err.details.retryAfterMs : undefined;
  return hint === undefined ? jittered : Math.max(hint, jittered);
}

/** The default policy: retry what core calls retryable (throttled, transient). */
export function retryableReason(err: unknown): boolean {
  return err instanceof ProviderError && isRetryable(err.reason);
}

/**
 * A policy that also retries conflicts with one of `codes`: for providers where a conflict clears
 * by itself (Hetzner's `locked` ends when the running action ends; Robot's FAILOVER_LOCKED when
 * routing completes).
 */
export function retryableOrConflict(codes: readonly string[]): (err: unknown) => boolean {
  return (err) =>
    retryableReason(err) ||
    (err instanceof ProviderError &&
      err.reason === 'conflict' &&
      err.details.code !== undefined &&
      codes.includes(err.details.code));
}
