import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { MoveContext, MoveResult } from '../../core/ports';
import { ProviderError } from '../../core/reasons';

/**
 * What every remote provider's move shares, whatever its wire: one deadline that bounds retries,
 * polls and in-flight requests alike (as an AbortSignal), reading back until the provider shows
 * the change, and turning whatever happened into a MoveResult, so no exception escapes
 * `Provider.move`. Each provider family adds its own call layer on top (SDK calls for AWS, client
 * calls for Hetzner).
 */
export type PollVerdict = 'done' | 'wait' | { conflict: string };

/** `verifiedAt` absent: accepted (`acceptedAt`) but not shown done before the deadline (see MoveResult). */
export type MoveOutcome = {
  changed: boolean;
  verifiedAt?: number;
  acceptedAt?: number;
  gapMs?: number;
  detail?: string;
};

export interface PollOptions {
  /** First pause between verification reads; doubles up to pollMaxMs (equal values: fixed steps). */
  pollMs: number;
  pollMaxMs: number;
}

const MAX_POLLS = 500;

/**
 * Runs `body` with a signal that aborts at the deadline (or when `outer` aborts). A failure caused
 * by the deadline is reported as such (code `deadline`), not as a bare abort.
 */
export async function withDeadline<T>(
  clock: Clock,
  deadline: number,
  outer: AbortSignal | undefined,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadlineHit = new AbortController();
  const stopTimer = new AbortController();
  clock.sleep(Math.max(0, deadline - clock.now()), stopTimer.signal).then(
    () => deadlineHit.abort(new ProviderError('transient', 'the deadline was reached', { code: 'deadline' })),
    () => undefined,
  );
  const signal = outer ? AbortSignal.any([outer, deadlineHit.signal]) : deadlineHit.signal;
  try {
    return await body(signal);
  } catch (err) {
    if (
      err instanceof ProviderError &&
      deadlineHit.signal.aborted &&
      ['aborted', 'timeout', 'deadline'].includes(err.details.code ?? '')
    ) {
      throw new ProviderError(err.reason, `the deadline passed during the operation (${err.message})`, {
        ...err.details,
        code: 'deadline',
        cause: err,
      });
    }
    if (err instanceof ProviderError) throw err;
    // A retry's sleep rejects with the signal's reason when the caller or the deadline aborts.
    if (signal.aborted)
      throw new ProviderError(
        'transient',
        `aborted: ${String((signal.reason as Error | undefined)?.message ?? signal.reason)}`,
        { code: 'aborted', cause: err },
      );
    throw err;
  } finally {
    stopTimer.abort();
  }
}

/**
 * Reads until `verdict` accepts ('done') or refuses ({ conflict }) what it sees, with growing
 * pauses, until the deadline. Reads lag writes, so 'wait' means "not visible yet".
 */
export async function pollUntil<T>(
  clock: Clock,
  deadline: number,
  signal: AbortSignal,
  opts: PollOptions,
  what: string,
  read: () => Promise<T>,
  verdict: (value: T) => PollVerdict,
): Promise<T> {
  let pause = opts.pollMs;
  let last = 'nothing read';
  for (let n = 0; n < MAX_POLLS; n++) {
    const value = await read();
    const v = verdict(value);
    if (v === 'done') return value;
    if (v !== 'wait') throw new ProviderError('conflict', `${what}: ${v.conflict}`, { code: 'moved-elsewhere' });
    last = JSON.stringify(value) ?? String(value);
    if (clock.now() + pause >= deadline) break;
    await clock.sleep(pause, signal);
    pause = Math.min(opts.pollMaxMs, pause * 2);
  }
  throw new ProviderError(
    'transient',
    `${what}: the provider did not show the change before the deadline (last read ${last})`,
    { code: 'not-verified' },
  );
}

/**
 * One move from start to MoveResult: refuses to start past its deadline, runs `body` within the
 * deadline, and reports any failure as a classified `{ ok: false }` with the calls it used.
 */
export async function settleMove(
  opts: { clock: Clock; logger: Logger },
  ctx: MoveContext,
  what: string,
  calls: { readonly total: number; snapshot(): Record<string, number> },
  body: (signal: AbortSignal) => Promise<MoveOutcome>,
): Promise<MoveResult> {
  // The deadline is on the caller's clock when it gives one (MoveContext.clock): one clock per move.
  const clock = ctx.clock ?? opts.clock;
  if (ctx.deadline <= clock.now())
    return {
      ok: false,
      reason: 'transient',
      message: `${what}: the deadline had passed before the move started`,
      calls: 0,
    };
  try {
    const outcome = await withDeadline(clock, ctx.deadline, ctx.signal, body);
    opts.logger.debug(
      { move: what, epoch: ctx.epoch, changed: outcome.changed, calls: calls.snapshot() },
      'move verified',
    );
    return { ok: true, calls: calls.total, ...outcome };
  } catch (err) {
    // Not ours to classify (a bug or an unexpected library error): reported, never thrown.
    const failure =
      err instanceof ProviderError
        ? err
        : new ProviderError('transient', `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    opts.logger.warn(
      {
        move: what,
        epoch: ctx.epoch,
        reason: failure.reason,
        code: failure.details.code,
        calls: calls.snapshot(),
        err: failure.message,
      },
      'move failed',
    );
    return {
      ok: false,
      reason: failure.reason,
      message: what ? `${what}: ${failure.message}` : failure.message,
      calls: calls.total,
    };
  }
}
