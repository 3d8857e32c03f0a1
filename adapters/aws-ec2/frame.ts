import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { MoveContext, MoveResult } from '../../core/ports';
import { ProviderError, isRetryable } from '../../core/reasons';
import { withRetry } from '../retry';

/**
 * The frame every AWS operation runs in (EC2 and Route 53 share it): one deadline that bounds
 * retries, polls and in-flight requests alike; a tally of every request sent, failed ones
 * included; SDK errors classified at the call site; and a move's failures turned into a
 * `{ ok: false, reason }` so nothing escapes `Provider.move`.
 *
 * The SDK clients run with `maxAttempts: 1`: retrying is done here, so the deadline, the count and
 * the classification are ours and a throttled call is never retried behind our back.
 */

/** The options an SDK `send` takes per request. */
export interface HttpOptions {
  abortSignal: AbortSignal;
  requestTimeout: number;
}

/** API calls by action, for one operation (a move, an observe). */
export class CallTally {
  private readonly byAction = new Map<string, number>();
  total = 0;

  add(action: string): void {
    this.total += 1;
    this.byAction.set(action, (this.byAction.get(action) ?? 0) + 1);
  }

  get(action: string): number {
    return this.byAction.get(action) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.byAction);
  }
}

export type PollVerdict = 'done' | 'wait' | { conflict: string };

export interface FrameOptions {
  clock: Clock;
  logger: Logger;
  /** Classifies whatever one call of `action` threw. */
  classify: (err: unknown, action: string) => ProviderError;
  /** Per request: a call that hangs longer is abandoned (and retried while the deadline allows). */
  requestTimeoutMs: number;
  /** First pause between verification reads; doubles up to pollMaxMs (equal values: fixed steps). */
  pollMs: number;
  pollMaxMs: number;
  /** For backoff jitter. Default Math.random. */
  random?: () => number;
  /** Told of every throttled answer, so the adapter's budget can show it. */
  onThrottle?: (at: number) => void;
  /** Told of every request sent (for budgets that count our own rate). */
  onCall?: (action: string, at: number) => void;
}

export interface Frame {
  readonly clock: Clock;
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly calls: CallTally;
  /**
   * One API call: counted, bounded by the request timeout and the deadline, classified, and
   * retried with backoff when throttled or transient (or when `alsoRetry` says so).
   */
  call<T>(action: string, send: (http: HttpOptions, attempt: number) => Promise<T>, alsoRetry?: (err: ProviderError) => boolean): Promise<T>;
  /**
   * Reads until `verdict` accepts ('done') or refuses ({ conflict }) what it sees, with growing
   * pauses, until the deadline. Reads lag writes, so 'wait' means "not visible yet".
   */
  poll<T>(what: string, read: () => Promise<T>, verdict: (value: T) => PollVerdict): Promise<T>;
}

export type MoveOutcome = { changed: boolean; verifiedAt: number; gapMs?: number; detail?: string };

const MAX_POLLS = 500;

/** Runs one move inside a frame and turns whatever happens into a MoveResult. */
export async function runMove(opts: FrameOptions, ctx: MoveContext, what: string, body: (frame: Frame) => Promise<MoveOutcome>): Promise<MoveResult> {
  const calls = new CallTally();
  if (ctx.deadline <= opts.clock.now()) return { ok: false, reason: 'transient', message: `${what}: the deadline had passed before the move started`, calls: 0 };
  try {
    const outcome = await withinDeadline(opts, ctx.deadline, ctx.signal, calls, body);
    opts.logger.debug({ move: what, epoch: ctx.epoch, changed: outcome.changed, calls: calls.snapshot() }, 'move verified');
    return { ok: true, calls: calls.total, ...outcome };
  } catch (err) {
    const failure = err instanceof ProviderError ? err : new ProviderError('transient', `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    opts.logger.warn({ move: what, epoch: ctx.epoch, reason: failure.reason, code: failure.details.code, calls: calls.snapshot(), err: failure.message }, 'move failed');
    return { ok: false, reason: failure.reason, message: `${what}: ${failure.message}`, calls: calls.total };
  }
}

/** Runs a read-only operation (observe) in a frame; failures are thrown as ProviderErrors. */
export async function runRead<T>(opts: FrameOptions, timeoutMs: number, body: (frame: Frame) => Promise<T>): Promise<{ value: T; calls: CallTally }> {
  const calls = new CallTally();
  const value = await withinDeadline(opts, opts.clock.now() + timeoutMs, undefined, calls, body);
  return { value, calls };
}

async function withinDeadline<T>(opts: FrameOptions, deadline: number, outer: AbortSignal | undefined, calls: CallTally, body: (frame: Frame) => Promise<T>): Promise<T> {
  const deadlineHit = new AbortController();
  const stopTimer = new AbortController();
  opts.clock.sleep(Math.max(0, deadline - opts.clock.now()), stopTimer.signal).then(
    () => deadlineHit.abort(new ProviderError('transient', 'the deadline was reached', { code: 'deadline' })),
    () => undefined,
  );
  const signal = outer ? AbortSignal.any([outer, deadlineHit.signal]) : deadlineHit.signal;
  try {
    return await body(makeFrame(opts, calls, signal, deadline));
  } catch (err) {
    // A call cut off by the deadline fails as "aborted"; say that the deadline is why.
    if (err instanceof ProviderError && deadlineHit.signal.aborted && (err.details.code === 'aborted' || err.details.code === 'timeout')) {
      throw new ProviderError(err.reason, `the deadline passed during the operation (${err.message})`, { ...err.details, code: 'deadline', cause: err });
    }
    if (err instanceof ProviderError) throw err;
    // withRetry's sleep rejects with the signal's reason when the caller aborts.
    if (signal.aborted) throw new ProviderError('transient', `aborted: ${String((signal.reason as Error | undefined)?.message ?? signal.reason)}`, { code: 'aborted', cause: err });
    throw err;
  } finally {
    stopTimer.abort();
  }
}

function makeFrame(opts: FrameOptions, calls: CallTally, signal: AbortSignal, deadline: number): Frame {
  const { clock } = opts;
  const left = () => deadline - clock.now();
  const passed = (what: string) => new ProviderError('transient', `the deadline passed before ${what}`, { code: 'deadline' });

  const call = <T>(action: string, send: (http: HttpOptions, attempt: number) => Promise<T>, alsoRetry?: (err: ProviderError) => boolean): Promise<T> =>
    withRetry(
      async (attempt) => {
        if (left() <= 0) throw passed(action);
        if (signal.aborted) throw new ProviderError('transient', `aborted before ${action}`, { code: 'aborted' });
        calls.add(action);
        opts.onCall?.(action, clock.now());
        try {
          return await send({ abortSignal: signal, requestTimeout: Math.max(1, Math.min(opts.requestTimeoutMs, left())) }, attempt);
        } catch (err) {
          const failure = opts.classify(err, action);
          if (failure.reason === 'throttled') opts.onThrottle?.(clock.now());
          throw failure;
        }
      },
      {
        clock,
        deadlineMs: Math.max(1, left()),
        signal,
        ...(opts.random ? { random: opts.random } : {}),
        shouldRetry: (err) => !signal.aborted && err instanceof ProviderError && (isRetryable(err.reason) || (alsoRetry?.(err) ?? false)),
        onRetry: ({ attempt, delayMs, error }) =>
          opts.logger.debug({ action, attempt, delayMs, err: error instanceof Error ? error.message : String(error) }, 'retrying an AWS call'),
      },
    );

  const poll = async <T>(what: string, read: () => Promise<T>, verdict: (value: T) => PollVerdict): Promise<T> => {
    let pause = opts.pollMs;
    let last = 'nothing read';
    for (let n = 0; n < MAX_POLLS; n++) {
      const value = await read();
      const v = verdict(value);
      if (v === 'done') return value;
      if (v !== 'wait') throw new ProviderError('conflict', `${what}: ${v.conflict}`, { code: 'moved-elsewhere' });
      last = JSON.stringify(value);
      if (clock.now() + pause >= deadline) break;
      await clock.sleep(pause, signal);
      pause = Math.min(opts.pollMaxMs, pause * 2);
    }
    throw new ProviderError('transient', `${what}: not visible before the deadline (last read ${last})`, { code: 'not-verified' });
  };

  return { clock, deadline, signal, calls, call, poll };
}
