import { byProfile, type EmulatorProfile } from '../common/profile';

/** Route 53 emulator settings, set at construction or through `POST /__admin/settings`. */
export interface Route53Settings {
  /** How long a change stays PENDING before it is INSYNC (real Route 53: usually under 60 s). */
  propagationDelayMs: number;
  /** Refuse a change to a zone whose previous change is still being processed (PriorRequestNotComplete). */
  enforcePriorRequest: boolean;
  /** How long after a change its zone counts as busy; null: until that change is INSYNC. */
  priorRequestWindowMs: number | null;
  /** Answer InvalidChangeBatch in the pre-2024 `<InvalidChangeBatch><Messages>` form. */
  legacyInvalidChangeBatch: boolean;
  /** The account's request rate limit (real: 5 per second). */
  requestsPerSecond: number;
}

/**
 * The real profile's figures:
 *  - propagationDelayMs 30 000: GetChange says PENDING "until the changes have propagated to all
 *    Route 53 DNS servers" (API Reference, GetChange); the Route 53 FAQ and Developer Guide put
 *    that "within 60 seconds". 30 s is inside that bound and long enough that a 20 s move deadline
 *    sees PENDING, as operators do.
 *  - latencyMs 300: AWS publishes no per-call figure; our assumption for a call from a region to
 *    Route 53's global endpoint, stated as such.
 *  - requestsPerSecond 5: "five requests per second per AWS account" (Developer Guide, "Quotas on
 *    API requests"); over it Route 53 answers Throttling (HTTP 400). The same in both profiles.
 * fast: INSYNC after 1 s, no added latency.
 */
export function route53Timings(profile: EmulatorProfile): { propagationDelayMs: number; latencyMs: number } {
  return byProfile(profile, {
    real: { propagationDelayMs: 30_000, latencyMs: 300 },
    fast: { propagationDelayMs: 1000, latencyMs: 0 },
  });
}

export const DEFAULT_ROUTE53_SETTINGS: Route53Settings = {
  propagationDelayMs: 1000,
  enforcePriorRequest: true,
  priorRequestWindowMs: null,
  legacyInvalidChangeBatch: false,
  requestsPerSecond: 5,
};

/** The settings after applying `input` to `current`; throws naming the first bad value, changing nothing. */
export function parseRoute53Settings(input: Record<string, unknown>, current: Route53Settings): Route53Settings {
  const next = { ...current };
  for (const key of ['propagationDelayMs', 'requestsPerSecond'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0)) throw new Error(`${key} must be a non-negative number`);
    next[key] = v;
  }
  for (const key of ['enforcePriorRequest', 'legacyInvalidChangeBatch'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new Error(`${key} must be a boolean`);
    next[key] = v;
  }
  const w = input.priorRequestWindowMs;
  if (w !== undefined) {
    if (w !== null && (typeof w !== 'number' || !(w >= 0)))
      throw new Error('priorRequestWindowMs must be null or a non-negative number');
    next.priorRequestWindowMs = w;
  }
  return next;
}
