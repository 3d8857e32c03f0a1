import type { Budget } from '../../../core/ports';

/**
 * The project's request budget as the API last reported it (RateLimit-Limit, -Remaining, -Reset on
 * every answer). The bucket refills evenly (limit per hour), so between answers the budget is
 * estimated from the time passed since the last one.
 */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** When the bucket is full again (ms since epoch), from RateLimit-Reset. */
  resetAt: number;
  /** When we read it (our clock). */
  observedAt: number;
}

export function parseRateLimit(headers: Headers, observedAt: number): RateLimitState | undefined {
  const limit = intHeader(headers, 'ratelimit-limit');
  const remaining = intHeader(headers, 'ratelimit-remaining');
  const reset = intHeader(headers, 'ratelimit-reset');
  if (limit === undefined || remaining === undefined || reset === undefined || limit <= 0) return undefined;
  return { limit, remaining: Math.min(remaining, limit), resetAt: reset * 1000, observedAt };
}

/** The budget now: the last report plus what has refilled since, never above the limit. */
export function estimateBudget(state: RateLimitState | undefined, now: number): Budget {
  if (!state) return { remaining: null, limit: null, resetAt: null };
  const refilled = Math.floor((Math.max(0, now - state.observedAt) / 3_600_000) * state.limit);
  return { remaining: Math.min(state.limit, state.remaining + refilled), limit: state.limit, resetAt: state.resetAt };
}

/**
 * How long until one request is allowed again. RateLimit-Reset says when the bucket is FULL, which
 * after a 429 is up to an hour away; one token comes back much sooner, after
 * (reset − now) / (limit − remaining). Clamped to [1 s, 60 s] against clock skew.
 */
export function retryAfterMs(state: RateLimitState | undefined, now: number): number | undefined {
  if (!state) return undefined;
  const missing = Math.max(1, state.limit - state.remaining);
  const perToken = (state.resetAt - now) / missing;
  return Math.round(Math.min(60_000, Math.max(1000, perToken)));
}

function intHeader(headers: Headers, name: string): number | undefined {
  const text = headers.get(name);
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
