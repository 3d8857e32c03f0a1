import { ProviderError, type FailureReason } from '../../../core/reasons';
import { retryableOrConflict } from '../../../lib/retry';
import type { RobotErrorBody } from './schemas';

/** Robot error codes onto core's failure reasons; the HTTP status decides for codes we do not know. */
const REASON_BY_CODE: Record<string, FailureReason> = {
  RATE_LIMIT_EXCEEDED: 'throttled',
  UNAUTHORIZED: 'forbidden',
  NOT_FOUND: 'not-found',
  SERVER_NOT_FOUND: 'not-found',
  FAILOVER_NEW_SERVER_NOT_FOUND: 'not-found',
  // Robot's docs give it (500) the text of FAILOVER_FAILED, "due to an internal error switching
  // ... failed", but not whether routing goes on; the name says it did not complete, so the
  // outcome is in doubt. Never answered by switching again (that could meet FAILOVER_LOCKED and
  // spend a switch): read (robot.hetzner.com/doc/webservice/en.html#post-failover-failover-ip).
  FAILOVER_NOT_COMPLETE: 'transient',
  FAILOVER_NOT_FOUND: 'not-found',
  INVALID_INPUT: 'invalid',
  FAILOVER_LOCKED: 'conflict',
  FAILOVER_ALREADY_ROUTED: 'conflict',
  FAILOVER_FAILED: 'transient',
  INTERNAL_ERROR: 'transient',
};

export function robotReasonFor(status: number, code: string | undefined): FailureReason {
  const known = code === undefined ? undefined : REASON_BY_CODE[code];
  if (known) return known;
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'transient';
  return 'invalid';
}

/**
 * A Robot rate limit says "at most max_request per interval"; we wait the average spacing
 * (interval / max_request: 72 s for 50 per hour) rather than the whole interval.
 */
export function robotRetryAfterMs(body: RobotErrorBody | undefined): number | undefined {
  if (!body || body.interval === undefined || body.max_request === undefined || body.max_request <= 0) return undefined;
  return Math.ceil((body.interval * 1000) / body.max_request);
}

export function robotError(what: string, status: number, body: RobotErrorBody | undefined): ProviderError {
  const reason = robotReasonFor(status, body?.code);
  const retryAfterMs = reason === 'throttled' ? robotRetryAfterMs(body) : undefined;
  const text = body ? `${body.code}: ${body.message}` : `HTTP ${status} without an error envelope`;
  return new ProviderError(reason, `Hetzner Robot ${what} failed (${status}) ${text}`, {
    status,
    ...(body ? { code: body.code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * What to retry against Robot: throttled and transient failures, and FAILOVER_LOCKED (it clears
 * when the running switch completes). Every retried switch spends one of the 50 per hour.
 */
export const robotShouldRetry = retryableOrConflict(['FAILOVER_LOCKED']);
