/**
 * Why a call to a provider or a store failed. Every adapter maps its errors onto these, so the
 * control loop can decide what to do without knowing which provider it talks to.
 * - throttled: the provider asked us to slow down (retry after backoff, honouring its hint)
 * - transient: a 5xx, a timeout, a dropped connection (retry with backoff)
 * - not-found: the resource named does not exist (do not retry)
 * - forbidden: credentials or permissions refuse the call (do not retry)
 * - conflict: the resource is locked or in a state that refuses the change right now
 * - invalid: the request can never succeed as written (wrong subnet, bad parameter)
 */
export const FAILURE_REASONS = ['throttled', 'transient', 'not-found', 'forbidden', 'conflict', 'invalid'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Failures worth retrying within a deadline. */
export function isRetryable(reason: FailureReason): boolean {
  return reason === 'throttled' || reason === 'transient';
}

/** An error that carries its classification and, when the provider said so, when to retry. */
export class ProviderError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly details: { code?: string; status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
  }
}
