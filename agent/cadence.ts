/**
 * The agent's periodic work (heartbeats, checks) runs on one grid of instants, origin + k·period,
 * with the origin shared. Work whose periods are multiples of one another (checks every 2 s,
 * heartbeats every 200 ms) then falls due at the same instants and wakes the process once: on a
 * small VM each timer wake-up of an idle Node process costs about 0.2 ms of CPU, more than most
 * of what it wakes up to do. The origin is the agent's start, so two agents are not in step.
 */

/** The first instant of the grid at or after `t`. */
export function gridAtOrAfter(origin: number, periodMs: number, t: number): number {
  if (!(periodMs > 0)) throw new RangeError(`grid period must be positive, got ${periodMs}`);
  return origin + Math.ceil((t - origin) / periodMs) * periodMs;
}

/**
 * When work that was due at `due` runs next, now that it is `now`: at the grid's next instant after
 * `due` (work that started off the grid, at the agent's start, joins it), or if that has already
 * passed (the event loop was held up), the next instant still ahead; missed instants are skipped,
 * never caught up in a burst. Taking `due` rather than `now` keeps a timer that fires a
 * millisecond early from scheduling the same instant twice.
 */
export function nextDue(origin: number, periodMs: number, due: number, now: number): number {
  const onGrid = origin + Math.floor((due - origin) / periodMs) * periodMs;
  return gridAtOrAfter(origin, periodMs, Math.max(onGrid + periodMs, now));
}
