/**
 * Time as a value that callers inject. Core code never reads the clock itself; edges (agent,
 * control loop, emulators) take a Clock so tests can drive time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds (or earlier if `signal` aborts, rejecting with its reason). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fire` after `ms` milliseconds unless the returned function is called first. For a
   * wake-up that moves often (a deadline that each heartbeat pushes later): cancelling a sleep
   * through an AbortSignal costs an AbortController, an event dispatch and a rejection each time.
   */
  setTimer(ms: number, fire: () => void): () => void;
}
