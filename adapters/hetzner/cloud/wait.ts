import { ProviderError } from '../../../core/reasons';
import { retryableReason, withRetry } from '../../../lib/retry';
import type { Clock } from '../../../core/clock';
import type { CallOptions } from '../call-options';
import type { Action } from './schemas';

export interface WaitOptions {
  /** Give up after this long (ms). */
  deadlineMs: number;
  /** Between polls. Default 1000 ms (each poll costs one request of the hourly budget). */
  pollMs?: number;
  /** For the jitter of retried polls. Default Math.random. */
  random?: () => number;
}

/**
 * Polls GET /actions/{id} until the action leaves `running`. A poll that fails with a throttled or
 * transient error is retried within the same deadline; the loop is bounded by the deadline and by
 * a poll count, so a clock that does not move cannot spin it forever.
 */
/** What waiting needs of a client (HetznerCloudClient is one): its clock and one action read. */
export interface ActionReader {
  readonly clock: Clock;
  getAction(id: number, opts: CallOptions): Promise<Action>;
}

export async function waitForAction(
  client: ActionReader,
  start: Action | number,
  opts: WaitOptions & CallOptions,
): Promise<Action> {
  const clock = client.clock;
  const pollMs = Math.max(1, opts.pollMs ?? 1000);
  const deadline = clock.now() + opts.deadlineMs;
  const maxPolls = Math.ceil(opts.deadlineMs / pollMs) + 2;
  let action = typeof start === 'number' ? await client.getAction(start, opts) : start;
  for (let polls = 0; ; polls++) {
    if (action.status === 'success') return action;
    if (action.status === 'error') {
      const e = action.error ?? { code: 'action_failed', message: 'no error given' };
      throw new ProviderError(
        'transient',
        `Hetzner Cloud action ${action.id} (${action.command}) ended in error: ${e.code}: ${e.message}`,
        { code: e.code },
      );
    }
    const left = deadline - clock.now();
    if (left <= 0 || polls >= maxPolls) {
      throw new ProviderError(
        'transient',
        `Hetzner Cloud action ${action.id} (${action.command}) still running after ${opts.deadlineMs} ms (progress ${action.progress}%)`,
        {
          code: 'action_timeout',
        },
      );
    }
    await clock.sleep(Math.min(pollMs, left), opts.signal).catch((cause: unknown) => {
      throw new ProviderError('transient', `waiting for Hetzner Cloud action ${action.id} aborted by the caller`, {
        code: 'aborted',
        cause,
      });
    });
    const id = action.id;
    action = await withRetry(() => client.getAction(id, opts), {
      clock,
      deadlineMs: Math.max(1, deadline - clock.now()),
      shouldRetry: retryableReason,
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }
}
