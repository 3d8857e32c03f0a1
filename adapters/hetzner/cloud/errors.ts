import { ProviderError, type FailureReason } from '../../../core/reasons';
import { retryableOrConflict } from '../../../lib/retry';

/**
 * Hetzner Cloud error codes onto core's failure reasons. The code decides when we know it; the
 * HTTP status is the fallback for codes we have not seen (and for bodies that are not the envelope).
 */
const REASON_BY_CODE: Record<string, FailureReason> = {
  rate_limit_exceeded: 'throttled',
  server_error: 'transient',
  service_error: 'transient',
  timeout: 'transient',
  maintenance: 'transient',
  robot_unavailable: 'transient',
  resource_unavailable: 'transient',
  unavailable: 'transient',
  not_found: 'not-found',
  unauthorized: 'forbidden',
  forbidden: 'forbidden',
  token_readonly: 'forbidden',
  locked: 'conflict',
  conflict: 'conflict',
  resource_locked: 'conflict',
  ip_not_available: 'conflict',
  floating_ip_assigned: 'conflict',
  invalid_input: 'invalid',
  json_error: 'invalid',
  protected: 'invalid',
  uniqueness_error: 'invalid',
  resource_limit_exceeded: 'invalid',
  unsupported_error: 'invalid',
  deprecated_api_endpoint: 'invalid',
};

export function reasonFor(status: number, code: string | undefined): FailureReason {
  const known = code === undefined ? undefined : REASON_BY_CODE[code];
  if (known) return known;
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 423) return 'conflict';
  if (status >= 500) return 'transient';
  return 'invalid';
}

export function apiError(
  what: string,
  status: number,
  envelope: { code: string; message: string } | undefined,
  retryAfterMs: number | undefined,
): ProviderError {
  const reason = reasonFor(status, envelope?.code);
  const text = envelope ? `${envelope.code}: ${envelope.message}` : `HTTP ${status} without an error envelope`;
  return new ProviderError(reason, `Hetzner Cloud ${what} failed (${status}) ${text}`, {
    status,
    ...(envelope ? { code: envelope.code } : {}),
    ...(reason === 'throttled' && retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * What to retry against Hetzner Cloud: throttled and transient failures, plus `locked` and
 * `conflict`, which clear by themselves when the running action ends. Not `ip_not_available` or
 * `floating_ip_assigned`: those describe state that a retry alone does not change.
 */
export const hetznerCloudShouldRetry = retryableOrConflict(['locked', 'conflict']);
