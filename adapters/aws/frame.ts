import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { MoveContext, MoveResult } from '../../core/ports';
import { ProviderError, isRetryable } from '../../core/reasons';
import { CallCounter } from '../provider-kit/call-counter';
import { pollUntil, settleMove, withDeadline, type MoveOutcome, type PollVerdict } from '../provider-kit/move-frame';
import { withRetry } from '../../lib/retry';

export type { MoveOutcome, PollVerdict } from '../provider-kit/move-frame';

/**
 * The AWS call layer over the shared move frame (EC2 and Route 53 use it): every request counted
 * (failed ones included), bounded by a request timeout and the deadline, its SDK error classified
 * at the call site, and retried when throttled or transient.
 *
 * The SDK clients run with `maxAttempts: 1`: retrying is done here, so the deadline, the count and
 * the classification are ours and a throttled call is never retried behind our back.
 */

/** The options an SDK `send` takes per request. */
export interface HttpOptions {
  abortSignal: AbortSignal;
  requestTimeout: number;
}

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
  readonly calls: CallCounter;
  /**
   * One API call: counted, bounded by the request timeout and the deadline, classified, and
   * retried with backoff when throttled or transient (or when `alsoRetry` says so).
   */
  call<T>(
    action: string,
    send: (http: HttpOptions, attempt: number) => Promise<T>,
    alsoRetry?: (err: ProviderError) => boolean,
  ): Promise<T>;
  /**
   * Reads until `verdict` accepts ('done') or refuses ({ conflict }) what it sees, with growing
   * pauses, until the deadline. Reads lag writes, so 'wait' means "not visible yet".
   */
  poll<T>(what: string, read: () => Promise<T>, verdict: (value: T) => PollVerdict): Promise<T>;
}

/** Runs one move inside a frame and turns whatever happens into a MoveResult. */
export async function runMove(
  opts: FrameOptions,
  ctx: MoveContext,
  what: string,
  body: (frame: Frame) => Promise<MoveOutcome>,
): Promise<MoveResult> {
  const calls = new CallCounter();
  // One clock per move: the deadline is on the caller's clock (MoveContext.clock), so the polls,
  // backoff sleeps and request timeouts measured against it must run on that clock too.
  const moveOpts = ctx.clock ? { ...opts, clock: ctx.clock } : opts;
  return settleMove(moveOpts, ctx, what, calls, (signal) => body(makeFrame(moveOpts, calls, signal, ctx.deadline)));
}

/** Runs a read-only operation (observe) in a frame; failures are thrown as ProviderErrors. */
export async function runRead<T>(
  opts: FrameOptions,
  timeoutMs: number,
  body: (frame: Frame) => Promise<T>,
): Promise<{ value: T; calls: CallCounter }> {
  const calls = new CallCounter();
  const deadline = opts.clock.now() + timeoutMs;
  const value = await withDeadline(opts.clock, deadline, undefined, (signal) =>
    body(makeFrame(opts, calls, signal, deadline)),
  );
  return { value, calls };
}

function makeFrame(opts: FrameOptions, calls: CallCounter, signal: AbortSignal, deadline: number): Frame {
  const { clock } = opts;
  const left = () => deadline - clock.now();
  const passed = (what: string) =>
    new ProviderError('transient', `the deadline passed before ${what}`, { code: 'deadline' });

  const call = <T>(
    action: string,
    send: (http: HttpOptions, attempt: number) => Promise<T>,
    alsoRetry?: (err: ProviderError) => boolean,
  ): Promise<T> =>
    withRetry(
      async (attempt) => {
        if (left() <= 0) throw passed(action);
        if (signal.aborted) throw new ProviderError('transient', `aborted before ${action}`, { code: 'aborted' });
        calls.add(action);
        opts.onCall?.(action, clock.now());
        try {
          return await send(
            { abortSignal: signal, requestTimeout: Math.max(1, Math.min(opts.requestTimeoutMs, left())) },
            attempt,
          );
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
        shouldRetry: (err) =>
          !signal.aborted && err instanceof ProviderError && (isRetryable(err.reason) || (alsoRetry?.(err) ?? false)),
        onRetry: ({ attempt, delayMs, error }) =>
          opts.logger.debug(
            { action, attempt, delayMs, err: error instanceof Error ? error.message : String(error) },
            'retrying an AWS call',
          ),
      },
    );

  const poll = <T>(what: string, read: () => Promise<T>, verdict: (value: T) => PollVerdict): Promise<T> =>
    pollUntil(clock, deadline, signal, opts, what, read, verdict);

  return { clock, deadline, signal, calls, call, poll };
}
