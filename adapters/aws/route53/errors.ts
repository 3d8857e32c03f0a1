import type { FailureReason, ProviderError } from '../../../core/reasons';
import { classifySdkError, type ServiceCodes } from '../sdk-errors';

/**
 * Route 53's error codes onto core's failure reasons (codes every AWS service shares are in
 * ../sdk-errors.ts). PriorRequestNotComplete is a conflict that clears by itself — the zone
 * is still processing an earlier change — so the change call retries it with backoff.
 */
const ROUTE53_CODES: Record<string, FailureReason> = {
  PriorRequestNotComplete: 'conflict',
  ConcurrentModification: 'conflict',
  NoSuchHostedZone: 'not-found',
  NoSuchChange: 'not-found',
  NoSuchHealthCheck: 'not-found',
  InvalidChangeBatch: 'invalid',
  InvalidDomainName: 'invalid',
  InvalidArgument: 'invalid',
  InvalidPaginationToken: 'invalid',
  HostedZoneNotFound: 'not-found',
  UnknownOperationException: 'invalid',
};

/**
 * InvalidChangeBatch lists every problem in its message. Those that mean "the record changed since
 * we read it" (a DELETE whose values no longer match, a CREATE that finds the set already there)
 * are conflicts — read again and retry; the rest (bad values, names outside the zone) are invalid.
 */
function refine(code: string, message: string): FailureReason | undefined {
  if (code !== 'InvalidChangeBatch') return undefined;
  return /but it already exists|but it was not found|values provided do not match/i.test(message)
    ? 'conflict'
    : 'invalid';
}

export const ROUTE53_SERVICE: ServiceCodes = { service: 'Route 53', codes: ROUTE53_CODES, refine };

export function classifyRoute53Error(err: unknown, action: string): ProviderError {
  return classifySdkError(err, action, ROUTE53_SERVICE);
}

/** Worth retrying beyond throttled/transient: the zone's previous change is still being processed. */
export function priorRequestPending(err: ProviderError): boolean {
  return err.details.code === 'PriorRequestNotComplete';
}
