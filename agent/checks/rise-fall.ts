import type { CheckOutcome } from './attempt';

/**
 * The rise/fall hysteresis of keepalived and HAProxy, as a pure function of (state, outcome, now):
 * `rise` successes in a row turn a check healthy, `fall` failures in a row turn it unhealthy, and
 * anything less leaves the state as it was. A check starts unhealthy and must rise first, so a
 * freshly started node never claims a VIP before its service has answered.
 */

/** What the agent reports for one check (in heartbeats, status, events). */
export interface CheckState {
  ok: boolean;
  /** When `ok` last changed (or when watching began), in the injected clock's milliseconds. */
  since: number;
  /** The detail of the most recent run, whether or not it changed the state. */
  detail: string;
  latencyMs: number;
  warning?: string;
}

export interface RiseFallState extends CheckState {
  /** Successes in a row (0 after any failure). */
  successes: number;
  /** Failures in a row (0 after any success). */
  failures: number;
}

export interface Thresholds {
  rise: number;
  fall: number;
}

export function initialState(now: number): RiseFallState {
  return { ok: false, since: now, detail: 'not checked yet', latencyMs: 0, successes: 0, failures: 0 };
}

export function observe(
  state: RiseFallState,
  outcome: CheckOutcome,
  thresholds: Thresholds,
  now: number,
): { state: RiseFallState; changed: boolean } {
  // Counters stop at the threshold: enough to decide, and a check that runs for years stays small.
  const successes = outcome.ok ? Math.min(state.successes + 1, thresholds.rise) : 0;
  const failures = outcome.ok ? 0 : Math.min(state.failures + 1, thresholds.fall);
  const ok = state.ok ? failures < thresholds.fall : successes >= thresholds.rise;
  const changed = ok !== state.ok;
  const next: RiseFallState = {
    ok,
    since: changed ? now : state.since,
    detail: outcome.detail,
    latencyMs: outcome.latencyMs,
    successes,
    failures,
  };
  if (outcome.warning !== undefined) next.warning = outcome.warning;
  return { state: next, changed };
}

/** The reported part, without the counters. */
export function reportOf(state: RiseFallState): CheckState {
  const { successes: _s, failures: _f, ...report } = state;
  return report;
}
