import type { Clock } from '../../core/clock';

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

/**
 * A clock that moves only when a test says so. `sleep` and `setTimer` register a timer; `advance` moves time,
 * waking timers in order and letting the promise chains they start run before the next one;
 * `jump` moves time with no timer firing, as for a process stopped with SIGSTOP.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly sleepers = new Set<Sleeper>();
  /** Sleeps and timers that ended by time passing (not cancelled): the timer wake-ups a real clock would have had. */
  woken = 0;

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(ms: number, fire: () => void): () => void {
    const timer: Sleeper = { at: this.t + Math.max(0, ms), seq: this.seq++, wake: fire };
    this.sleepers.add(timer);
    return () => {
      this.sleepers.delete(timer);
    };
  }

  /** Timers not yet woken (0 after everything sleeping has been cancelled). */
  pending(): number {
    return this.sleepers.size;
  }

  /** Time passes and nothing runs; the overdue timers fire at the next `advance`, in order, as they do when a stopped process resumes. */
  jump(ms: number): void {
    this.t += ms;
  }

  /** Moves time forward by `ms`, waking every timer due on the way (overdue ones first), in order. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (let i = 0; i < 100_000; i++) {
      const next = [...this.sleepers].filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers.delete(next);
      this.t = Math.max(this.t, next.at);
      this.woken++;
      next.wake();
      await settle();
    }
    this.t = target;
    await settle();
  }
}

/** Lets every promise chain that is ready run (microtasks all drain before a macrotask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
