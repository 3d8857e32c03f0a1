import { describe, expect, it } from 'vitest';
import { ThrottleWatch } from '../../../adapters/aws/ec2';

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
