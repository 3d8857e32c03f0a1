import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { MoveContext, MoveResult } from '../../core/ports';
import { ProviderError } from '../../core/reasons';
import { CallCounter } from '../provider-kit/call-counter';
import { pollUntil, settleMove, type MoveOutcome, type PollVerdict } from '../provider-kit/move-frame';
import { retryableReason, withRetry } from '../../lib/retry';

export type { MoveOutcome, PollVerdict } from '../provider-kit/move-frame';

/**
 * The Hetzner call layer over the shared move frame (Cloud and Robot use it): client calls are
 * retried as a whole on the failures the caller admits, and counted by the client.
 */
export interface MoveFrame {
  readonly clock: Clock;
  /** The move's logger (the provider's, with the VIP, kind, target and epoch bound). */
  readonly logger: Logger;
  /** Counts every HTTP call this move makes, retries and polls included. */
  readonly calls: CallCounter;
  /** Aborts at the deadline (or when the caller's signal aborts): pass it to every client call. */
  readonly signal: AbortSignal;
  readonly deadline: number;
  /** Runs `op` again on the failures `shouldRetry` admits, with backoff, until the deadline. */
  retry<T>(op: (attempt: number) => Promise<T>, shouldRetry: (err: unknown) => boolean): Promise<T>;
  /**
   * The last `locked` answer a retry waited on, if any: a move whose deadline ends such a wait
   * (mid-request or mid-backoff alike) failed because of the lock, not because time ran out.
   */
  readonly lastLocked: () => ProviderError | undefined;
  /** Reads (retrying what `shouldRetry` admits) until `verdict` accepts or refuses what it sees. */
  poll<T>(
    what: string,
    read: () => Promise<T>,
    verdict: (value: T) => PollVerdict,
    shouldRetry: (err: unknown) => boolean,
  ): Promise<T>;
}

export interface FrameOptions {
  clock: Clock;
  logger: Logger;
  /** For backoff jitter. Default Math.random. */
  random?: () => number;
  /** First pause between verification reads; doubles up to `pollMaxMs`. */
  pollMs: number;
  pollMaxMs: number;
}

/**
 * What a Hetzner kind's observe gets: runs one read, retrying throttled and transient failures
 * within observe's deadline (each read on its own: a second read gets the whole deadline again).
 */
export type Reader = <T>(op: () => Promise<T>) => Promise<T>;

export function observeReader(opts: Pick<FrameOptions, 'clock' | 'random'>, deadlineMs: number): Reader {
  return (op) =>
    withRetry(op, {
      clock: opts.clock,
      deadlineMs,
      shouldRetry: retryableReason,
      ...(opts.random ? { random: opts.random } : {}),
    });
}

/** Runs one move inside a frame and turns whatever happens into a MoveResult. */
export async function runMove(
  opts: FrameOptions,
  ctx: MoveContext,
  body: (frame: MoveFrame) => Promise<MoveOutcome>,
): Promise<MoveResult> {
  const calls = new CallCounter();
  // Waits, polls and the deadline all run on the caller's clock when it gives one.
  const frameOpts = ctx.clock ? { ...opts, clock: ctx.clock } : opts;
  return settleMove(frameOpts, ctx, '', calls, (signal) => body(makeFrame(frameOpts, calls, signal, ctx.deadline)));
}

function makeFrame(opts: FrameOptions, calls: CallCounter, signal: AbortSignal, deadline: number): MoveFrame {
  const { clock } = opts;
  let locked: ProviderError | undefined;
  const retry = <T>(op: (attempt: number) => Promise<T>, shouldRetry: (err: unknown) => boolean): Promise<T> =>
    withRetry(op, {
      clock,
      deadlineMs: Math.max(1, deadline - clock.now()),
      shouldRetry,
      signal,
      ...(opts.random ? { random: opts.random } : {}),
      onRetry: ({ attempt, delayMs, error }) => {
        if (error instanceof ProviderError && error.details.code === 'locked') locked = error;
        opts.logger.debug(
          { attempt, delayMs, err: error instanceof Error ? error.message : String(error) },
          'retrying a provider call',
        );
      },
    });
  const poll = <T>(
    what: string,
    read: () => Promise<T>,
    verdict: (value: T) => PollVerdict,
    shouldRetry: (err: unknown) => boolean,
  ): Promise<T> => pollUntil(clock, deadline, signal, opts, what, () => retry(read, shouldRetry), verdict);
  return { clock, logger: opts.logger, calls, signal, deadline, retry, poll, lastLocked: () => locked };
}

/** A 4xx answer means the request was refused and had no effect; a timeout or 5xx leaves it unknown. */
export function refused(err: unknown): boolean {
  const status = err instanceof ProviderError ? err.details.status : undefined;
  return status !== undefined && status >= 400 && status < 500;
}
