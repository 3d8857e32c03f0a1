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
    if (w !== null && (typeof w !== 'number' || !(w >= 0))) throw new Error('priorRequestWindowMs must be null or a non-negative number');
    next.priorRequestWindowMs = w;
  }
  return next;
}
