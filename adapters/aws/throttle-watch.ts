import type { Budget } from '../../core/ports';

/**
 * EC2 publishes no request budget (its token buckets are per account, per action and invisible),
 * so the only signal we get is being throttled. This remembers recent RequestLimitExceeded answers
 * and turns them into a cool-down the control loop can see through `Provider.budget()`: while it
 * lasts, `remaining` is 0 and `resetAt` says when to try again; otherwise the budget is unknown.
 * The cool-down doubles with every throttle in the window (1 s, 2 s, 4 s… up to maxCooldownMs),
 * because EC2's mutating buckets refill at only a few tokens a second.
 */
export class ThrottleWatch {
  private readonly recentAt: number[] = [];

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 60_000,
    private readonly baseCooldownMs = 1000,
    private readonly maxCooldownMs = 30_000,
  ) {}

  record(at: number): void {
    this.recentAt.push(at);
    this.forgetOld();
  }

  /** Throttled answers within the window. */
  recent(): number {
    this.forgetOld();
    return this.recentAt.length;
  }

  budget(): Budget {
    const n = this.recent();
    if (n === 0) return { remaining: null, limit: null, resetAt: null };
    const until = this.recentAt[n - 1]! + Math.min(this.maxCooldownMs, this.baseCooldownMs * 2 ** (n - 1));
    return until > this.now()
      ? { remaining: 0, limit: null, resetAt: until }
      : { remaining: null, limit: null, resetAt: null };
  }

  private forgetOld(): void {
    const from = this.now() - this.windowMs;
    while (this.recentAt.length > 0 && this.recentAt[0]! <= from) this.recentAt.shift();
  }
}
