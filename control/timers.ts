import type { Clock } from '../core/clock';
import type { Log } from './log';
import { errorText } from './log';

/**
 * Timers on an injected Clock, all cancelled by close(): repeating ones, and one-shot ones by key
 * where setting a key again replaces its timer (a node's deadline moves with each heartbeat).
 */
export class Timers {
  private readonly stop = new AbortController();
  private readonly byKey = new Map<string, AbortController>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Log,
  ) {}

  every(ms: number, fn: () => Promise<unknown>): void {
    const signal = this.stop.signal;
    void (async () => {
      while (!signal.aborted) {
        if (!(await this.sleep(ms, signal))) return;
        await fn().catch((err: unknown) => this.log.error('timer task failed', { error: errorText(err) }));
      }
    })();
  }

  /** Runs fn at `at` (clock time) unless `key` is set again or cleared first. */
  at(key: string, at: number, fn: () => Promise<unknown>): void {
    this.byKey.get(key)?.abort();
    const own = new AbortController();
    this.byKey.set(key, own);
    const signal = AbortSignal.any([this.stop.signal, own.signal]);
    void (async () => {
      // setTimeout runs on the event loop's monotonic clock and can fire a millisecond before the
      // wall clock reaches `at`. A node's deadline tick would then still see it alive, and no
      // other timer would follow (the control suite's silent-owner test caught it under load).
      do {
        if (!(await this.sleep(Math.max(0, at - this.clock.now()), signal))) return;
      } while (this.clock.now() < at);
      if (this.byKey.get(key) === own) this.byKey.delete(key);
      await fn().catch((err: unknown) => this.log.error('timer task failed', { key, error: errorText(err) }));
    })();
  }

  close(): void {
    this.stop.abort();
    this.byKey.clear();
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.clock.sleep(ms, signal);
      return !signal.aborted;
    } catch {
      return false;
    }
  }
}
