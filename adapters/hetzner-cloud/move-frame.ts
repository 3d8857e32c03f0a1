import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { MoveContext, MoveResult } from '../../core/ports';
import { ProviderError } from '../../core/reasons';
import { withRetry } from '../retry';
import { CallCounter } from './call-counter';

/**
 * What every move of a remote provider shares (Hetzner Cloud and Robot use it): one deadline that
 * bounds retries, polls and in-flight requests alike; one call counter; failures turned into a
 * classified `{ ok: false }` so no exception escapes `Provider.move`.
 */
export interface MoveFrame {
  readonly clock: Clock;
  /** Counts every HTTP call this move makes, retries and polls included. */
  readonly calls: CallCounter;
  /** Aborts at the deadline (or when the caller's signal aborts): pass it to every client call. */
  readonly signal: AbortSignal;
  readonly deadline: number;
  /** Runs `op` again on the failures `shouldRetry` admits, with backoff, until the deadline. */
  retry<T>(op: (attempt: number) => Promise<T>, shouldRetry: (err: unknown) => boolean): Promise<T>;
  /**
   * Reads until `verdict` accepts (returns 'done') or refuses ('conflict', with why) what it sees,
   * with growing pauses, until the deadline. Reads lag writes, so 'wait' means "not visible yet".
   */
  poll<T>(what: string, read: () => Promise<T>, verdict: (value: T) => PollVerdict, shouldRetry: (err: unknown) => boolean): Promise<T>;
}

export type PollVerdict = 'done' | 'wait' | { conflict: string };

export interface FrameOptions {
  clock: Clock;
  logger: Logger;
  /** For backoff jitter. Default Math.random. */
  random?: () => number;
  /** First pause between verification reads; doubles up to `pollMaxMs`. */
  pollMs: number;
  pollMaxMs: number;
}

export type MoveOutcome = { changed: boolean; verifiedAt: number; gapMs?: number; detail?: string };

const MAX_POLLS = 200;

/** Runs one move inside a frame and turns whatever happens into a MoveResult. */
export async function runMove(opts: FrameOptions, ctx: MoveContext, body: (frame: MoveFrame) => Promise<MoveOutcome>): Promise<MoveResult> {
  const calls = new CallCounter();
  const { clock } = opts;
  if (ctx.deadline <= clock.now()) return { ok: false, reason: 'transient', message: 'the move\'s deadline had passed before it started', calls: 0 };
  const deadlineHit = new AbortController();
  const stopTimer = new AbortController();
  clock.sleep(ctx.deadline - clock.now(), stopTimer.signal).then(
    () => deadlineHit.abort(new ProviderError('transient', 'the move\'s deadline was reached', { code: 'deadline' })),
    () => undefined,
  );
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadlineHit.signal]) : deadlineHit.signal;
  const frame = makeFrame(opts, calls, signal, ctx.deadline);
  try {
    const outcome = await body(frame);
    return { ok: true, calls: calls.total, ...outcome };
  } catch (err) {
    const failure = classify(err, deadlineHit.signal.aborted);
    opts.logger.warn({ reason: failure.reason, calls: calls.snapshot(), epoch: ctx.epoch, err: failure.message }, 'move failed');
    return { ok: false, ...failure, calls: calls.total };
  } finally {
    stopTimer.abort();
  }
}

function classify(err: unknown, deadlinePassed: boolean): { reason: ProviderError['reason']; message: string } {
  if (err instanceof ProviderError) {
    const aborted = err.details.code === 'aborted' || err.details.code === 'deadline';
    return { reason: err.reason, message: deadlinePassed && aborted ? `the deadline passed during the move: ${err.message}` : err.message };
  }
  // Not ours to classify: a bug or an unexpected library error. Reported, never thrown.
  return { reason: 'transient', message: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
}

function makeFrame(opts: FrameOptions, calls: CallCounter, signal: AbortSignal, deadline: number): MoveFrame {
  const { clock } = opts;
  const left = () => Math.max(1, deadline - clock.now());
  const retry = <T>(op: (attempt: number) => Promise<T>, shouldRetry: (err: unknown) => boolean): Promise<T> =>
    withRetry(op, {
      clock,
      deadlineMs: left(),
      shouldRetry,
      signal,
      ...(opts.random ? { random: opts.random } : {}),
      onRetry: ({ attempt, delayMs, error }) =>
        opts.logger.debug({ attempt, delayMs, err: error instanceof Error ? error.message : String(error) }, 'retrying a provider call'),
    });
  const poll = async <T>(what: string, read: () => Promise<T>, verdict: (value: T) => PollVerdict, shouldRetry: (err: unknown) => boolean): Promise<T> => {
    let pause = opts.pollMs;
    for (let n = 0; n < MAX_POLLS; n++) {
      const value = await retry(read, shouldRetry);
      const v = verdict(value);
      if (v === 'done') return value;
      if (v !== 'wait') throw new ProviderError('conflict', `${what}: ${v.conflict}`, { code: 'moved_elsewhere' });
      if (clock.now() + pause >= deadline) break;
      await clock.sleep(pause, signal);
      pause = Math.min(opts.pollMaxMs, pause * 2);
    }
    throw new ProviderError('transient', `${what}: the provider did not show the change before the deadline`, { code: 'not_verified' });
  };
  return { clock, calls, signal, deadline, retry, poll };
}

/** A 4xx answer means the request was refused and had no effect; a timeout or 5xx leaves it unknown. */
export function refused(err: unknown): boolean {
  const status = err instanceof ProviderError ? err.details.status : undefined;
  return status !== undefined && status >= 400 && status < 500;
}
