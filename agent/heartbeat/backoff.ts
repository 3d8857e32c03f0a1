export interface BackoffOptions {
  intervalMs: number;
  maxMs: number;
  /** [0, 1): spreads agents out so they do not all return at once when the control plane does. */
  random: () => number;
}

/**
 * Delay before the next attempt after `failures` failures in a row: the interval, doubling per
 * failure up to `maxMs`, with "equal jitter" (between half and all of it) so a fleet that lost
 * its control plane together does not hammer it in step when it comes back.
 */
export function backoffDelay(failures: number, o: BackoffOptions): number {
  if (failures <= 0) return o.intervalMs;
  const base = Math.min(o.maxMs, o.intervalMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(base / 2 + o.random() * (base / 2));
}

/** Long enough to spare a struggling control plane, short enough to be back within seconds. */
export function defaultMaxBackoff(intervalMs: number): number {
  return Math.min(30_000, Math.max(intervalMs, 8 * intervalMs));
}
