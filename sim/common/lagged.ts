/**
 * Eventual consistency: writes are visible to reads only after `lagMs`. Each key keeps the history
 * of its writes; a read returns the newest value written at or before `now - lagMs`.
 * Mutations inside the emulator use `current()` (the provider's true state); Describe/Get calls use
 * `visible()`, which is what a client sees.
 */
export class Lagged<V> {
  private history: Array<{ at: number; value: V }> = [];

  constructor(initial: V, at = Number.NEGATIVE_INFINITY) {
    this.history.push({ at, value: initial });
  }

  set(value: V, at: number): void {
    this.history.push({ at, value });
    // Keep the history short: anything older than the newest entry that is at least 60 s old is unreadable.
    while (this.history.length > 2 && this.history[1]!.at < at - 60_000) this.history.shift();
  }

  current(): V {
    return this.history[this.history.length - 1]!.value;
  }

  visible(now: number, lagMs: number): V {
    const cutoff = now - lagMs;
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i]!;
      if (h.at <= cutoff) return h.value;
    }
    return this.history[0]!.value;
  }
}
