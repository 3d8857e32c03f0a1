import { describe, expect, it } from 'vitest';
import { ThrottleWatch } from '../../adapters/aws-ec2';
import { KeyedLock } from '../../adapters/aws-ec2/keyed-lock';

describe('ThrottleWatch: the EC2 budget view', () => {
  it('is unknown until throttled, then a doubling cool-down that ends by itself', () => {
    let now = 1_000_000;
    const w = new ThrottleWatch(() => now);
    expect(w.budget()).toEqual({ remaining: null, limit: null, resetAt: null });
    w.record(now);
    expect(w.budget()).toEqual({ remaining: 0, limit: null, resetAt: now + 1000 });
    w.record(now);
    w.record(now);
    expect(w.budget()).toEqual({ remaining: 0, limit: null, resetAt: now + 4000 });
    now += 4000;
    expect(w.budget()).toEqual({ remaining: null, limit: null, resetAt: null });
    expect(w.recent()).toBe(3);
    now += 60_000;
    expect(w.recent()).toBe(0);
  });

  it('caps the cool-down', () => {
    const now = 5_000_000;
    const w = new ThrottleWatch(() => now, 60_000, 1000, 30_000);
    for (let i = 0; i < 20; i++) w.record(now);
    expect(w.budget().resetAt).toBe(now + 30_000);
  });
});

describe('KeyedLock', () => {
  it('runs tasks of one key in order and other keys alongside, even after a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run('v', task('a', 20, true)), lock.run('v', task('b', 1)), lock.run('w', task('c', 1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('a-')).toBeLessThan(log.indexOf('b+'));
    expect(log.indexOf('c-')).toBeLessThan(log.indexOf('a-'));
  });
});
