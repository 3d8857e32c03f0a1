import type { Clock } from '../../../core/clock';

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

/**
 * A clock the test moves (like test/helpers' ManualClock), which can also jump: time passes with
 * no timer firing, as for a process stopped with SIGSTOP; the overdue timers fire at the next
 * `advance`, in order, as they do when the process resumes.
 */
export class JumpClock implements Clock {
  private seq = 0;
  private readonly sleepers = new Set<Sleeper>();

  constructor(private t = 1_800_000_000_000) {}

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

  /** Time passes and nothing runs. */
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
      next.wake();
      await settle();
    }
    this.t = target;
    await settle();
  }
}

/** Lets every promise chain that is ready run, and the I/O of child-free fakes. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
