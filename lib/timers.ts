import type { Clock } from '../core/clock';
import type { Log } from './log';
import { errorText } from './log';

/**
 * Timers on an injected Clock, all cancelled by close(): repeating ones, and one-shot ones by key
 * where setting a key again replaces its timer (a node's deadline moves with each heartbeat).
 */
export class Timers {
  private readonly stop = new AbortController();
  /** The cancel function of each key's pending timer. */
  private readonly byKey = new Map<string, () => void>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  every(ms: number, fn: () => Promise<unknown>): void {
    const signal = this.stop.signal;
    void (async () => {
      while (!signal.aborted) {
        try {
          await this.clock.sleep(ms, signal);
        } catch {
          return;
        }
        await fn().catch((err: unknown) => this.log.error('timer task failed', { error: errorText(err) }));
      }
    })();
  }

  /** Runs fn at `at` (clock time) unless `key` is set again or cleared first. */
  at(key: string, at: number, fn: () => Promise<unknown>): void {
    this.byKey.get(key)?.();
    this.byKey.delete(key);
    if (this.stop.signal.aborted) return;
    const arm = () => {
      const cancel = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
        // setTimeout runs on the event loop's monotonic clock and can fire a millisecond before the
        // wall clock reaches `at`. A node's deadline tick would then still see it alive, and no
        // other timer would follow (the control suite's silent-owner test caught it under load).
        if (this.clock.now() < at) return arm();
        this.byKey.delete(key);
        void fn().catch((err: unknown) => this.log.error('timer task failed', { key, error: errorText(err) }));
      });
      this.byKey.set(key, cancel);
    };
    arm();
  }

  close(): void {
    this.stop.abort();
    for (const cancel of this.byKey.values()) cancel();
    this.byKey.clear();
  }
}
