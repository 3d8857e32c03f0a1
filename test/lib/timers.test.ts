import { describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock';
import { memoryLog } from '../../lib/log';
import { Timers } from '../../lib/timers';

/**
 * A wall clock whose timers wake a millisecond before the time they were set for, as Node's
 * setTimeout (on the loop's monotonic clock) can against Date.now().
 */
class EarlyClock implements Clock {
  t = 1_000_000;
  waits: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.waits.push(ms);
    await Promise.resolve();
    this.t += ms > 1 ? ms - 1 : ms;
  }
  setTimer(ms: number, fire: () => void): () => void {
    this.waits.push(ms);
    let cancelled = false;
    void Promise.resolve().then(() => {
      if (cancelled) return;
      this.t += ms > 1 ? ms - 1 : ms;
      fire();
    });
    return () => {
      cancelled = true;
    };
  }
}

describe('Timers.at', () => {
  it('never runs before its time, even when the clock underneath wakes early', async () => {
    const clock = new EarlyClock();
    const timers = new Timers(clock, memoryLog());
    const ranAt = await new Promise<number>((resolve) =>
      timers.at('deadline:n1', clock.now() + 301, async () => resolve(clock.now())),
    );
    expect(ranAt).toBeGreaterThanOrEqual(1_000_301);
    // Waited once for the whole time, then again for what was left.
    expect(clock.waits.slice(0, 2)).toEqual([301, 1]);
    timers.close();
  });

  it('runs only the latest timer of a key', async () => {
    const clock = new EarlyClock();
    const timers = new Timers(clock, memoryLog());
    const ran: string[] = [];
    timers.at('k', clock.now() + 50, async () => void ran.push('first'));
    await new Promise<void>((resolve) =>
      timers.at('k', clock.now() + 100, async () => (ran.push('second'), resolve())),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ran).toEqual(['second']);
    timers.close();
  });
});
