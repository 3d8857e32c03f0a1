import type { NodeSpec, Vip } from '../core/config/model';
import { HOST_BOUND_KINDS } from '../core/config/vips';
import type { ReasonCode } from '../core/decide';
import type { EventOutcome, MoveResult, Provider } from '../core/ports';
import { isRetryable, ProviderError } from '../core/reasons';
import { withRetry } from '../lib/retry';
import type { ControlContext } from './context';
import { errorText } from '../lib/log';
import { mapLimit } from '../lib/pool';

/** One address to put somewhere through its provider. */
export interface MoveJob {
  eventId: string;
  vip: Vip;
  to: NodeSpec;
  epoch: number;
  reason: ReasonCode;
}

export interface MoveReport {
  job: MoveJob;
  /** Absent when no provider acts (the hosts carry the address: the agent binds it). */
  outcome?: EventOutcome;
  apiStart?: number;
  /** The provider accepted the change (Route 53); `verified` is then when it is in sync. */
  accepted?: number;
  apiDone?: number;
  verified?: number;
}

/**
 * Runs moves through their providers, in parallel across VIPs with a bound on concurrency. Before
 * each move it looks at the provider's budget and skips (reason throttled) when nothing is left
 * beyond the moves already in flight; retryable failures are retried with backoff until the
 * move's deadline. Never throws: every outcome is in the report.
 */
export async function executeMoves(ctx: ControlContext, jobs: readonly MoveJob[]): Promise<MoveReport[]> {
  const inFlight = new Map<Provider, number>();
  return mapLimit(jobs, ctx.tuning.moveConcurrency, async (job) => {
    const provider = ctx.providers(job.vip.kind);
    if (!provider) {
      if (HOST_BOUND_KINDS.has(job.vip.kind)) return { job };
      return {
        job,
        outcome: { ok: false, reason: 'invalid', message: `no provider moves VIPs of kind ${job.vip.kind}`, calls: 0 },
      };
    }
    const budget = provider.budget();
    const busy = inFlight.get(provider) ?? 0;
    if (budget.remaining !== null && budget.remaining <= busy) {
      const resets = budget.resetAt === null ? '' : `, refills by ${new Date(budget.resetAt).toISOString()}`;
      const message = `skipped: ${provider.name} request budget exhausted (${budget.remaining} of ${budget.limit ?? '?'} left, ${busy} moves in flight${resets})`;
      ctx.log.warn('move skipped', {
        vip: job.vip.name,
        to: job.to.id,
        provider: provider.name,
        remaining: budget.remaining,
      });
      return { job, outcome: { ok: false, reason: 'throttled', message, calls: 0, skipped: true } };
    }
    inFlight.set(provider, busy + 1);
    try {
      const apiStart = ctx.clock.now();
      const result = await moveWithRetry(ctx, provider, job);
      const apiDone = ctx.clock.now();
      if (!result.ok)
        ctx.log.warn('move failed', {
          vip: job.vip.name,
          to: job.to.id,
          reason: result.reason,
          message: result.message,
          calls: result.calls,
        });
      const outcome: EventOutcome = result.ok
        ? { ok: true, changed: result.changed, calls: result.calls }
        : { ok: false, reason: result.reason, message: result.message, calls: result.calls };
      const accepted = result.ok && result.acceptedAt !== undefined ? { accepted: result.acceptedAt } : {};
      return {
        job,
        outcome,
        apiStart,
        apiDone,
        ...accepted,
        ...(result.ok && result.verifiedAt !== undefined ? { verified: result.verifiedAt } : {}),
      };
    } finally {
      inFlight.set(provider, (inFlight.get(provider) ?? 1) - 1);
    }
  });
}

/**
 * The move's deadline belongs to its provider and kind (a Robot switch blocks 40-60 s; 20 s would
 * abort every one), else the tuning's default — never past the tuning's cap (a Lambda invocation
 * ends when it ends, whatever the provider needs). One clock: the deadline, the retries here and the
 * adapter's own waits all read `ctx.clock`, which is handed to the adapter in the MoveContext.
 */
export function moveDeadlineMs(ctx: ControlContext, provider: Provider, job: MoveJob): number {
  const wanted = provider.moveDeadlineMs?.(job.vip.kind) ?? ctx.tuning.moveDeadlineMs;
  return Math.min(wanted, ctx.tuning.maxMoveDeadlineMs ?? Number.POSITIVE_INFINITY);
}

async function moveWithRetry(ctx: ControlContext, provider: Provider, job: MoveJob): Promise<MoveResult> {
  const deadlineMs = moveDeadlineMs(ctx, provider, job);
  const deadline = ctx.clock.now() + deadlineMs;
  let calls = 0;
  let last: MoveResult | undefined;
  try {
    const ok = await withRetry(
      async () => {
        const r = await callMove(ctx, provider, job, deadline);
        calls += r.calls;
        last = r;
        if (!r.ok) throw new ProviderError(r.reason, r.message);
        return r;
      },
      {
        clock: ctx.clock,
        deadlineMs,
        baseDelayMs: 100,
        maxDelayMs: 2000,
        shouldRetry: (err) => err instanceof ProviderError && isRetryable(err.reason),
        onRetry: ({ attempt, delayMs, error }) =>
          ctx.log.info('move retried', { vip: job.vip.name, attempt, delayMs, error: errorText(error) }),
      },
    );
    return { ...ok, calls };
  } catch {
    return last && !last.ok ? { ...last, calls } : { ok: false, reason: 'transient', message: 'move gave up', calls };
  }
}

/** Providers promise not to throw; one that does anyway still gets a classified outcome. */
async function callMove(ctx: ControlContext, provider: Provider, job: MoveJob, deadline: number): Promise<MoveResult> {
  try {
    return await provider.move(job.vip, job.to, { epoch: job.epoch, deadline, clock: ctx.clock });
  } catch (err) {
    const reason = err instanceof ProviderError ? err.reason : 'transient';
    return { ok: false, reason, message: `${provider.name} threw: ${errorText(err)}`, calls: 0 };
  }
}
