import { StoreError } from '../../core/ports';
import type { FailureReason } from '../../core/reasons';

const REASON_BY_NAME: Record<string, FailureReason> = {
  ProvisionedThroughputExceededException: 'throttled',
  ThrottlingException: 'throttled',
  RequestLimitExceeded: 'throttled',
  LimitExceededException: 'throttled',
  InternalServerError: 'transient',
  ServiceUnavailable: 'transient',
  TimeoutError: 'transient',
  RequestTimeout: 'transient',
  ResourceNotFoundException: 'not-found',
  AccessDeniedException: 'forbidden',
  UnrecognizedClientException: 'forbidden',
  InvalidSignatureException: 'forbidden',
  MissingAuthenticationTokenException: 'forbidden',
  ValidationException: 'invalid',
  ItemCollectionSizeLimitExceededException: 'invalid',
  ConditionalCheckFailedException: 'conflict',
  TransactionConflictException: 'conflict',
};

/** Whether an SDK error is a failed condition (an expected outcome, not a failure). */
export function isConditionFailed(err: unknown): err is Error & { Item?: Record<string, unknown> } {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Any error of a DynamoDB call as a StoreError with a reason; network errors count as transient. */
export function storeError(what: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const reason =
    (e.name ? REASON_BY_NAME[e.name] : undefined) ??
    (e.code && /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(e.code) ? 'transient' : undefined) ??
    (status !== undefined && status >= 500 ? 'transient' : status === 400 ? 'invalid' : 'transient');
  return new StoreError(reason, `DynamoDB ${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, {
    cause: err,
  });
}
