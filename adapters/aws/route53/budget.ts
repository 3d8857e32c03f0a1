import type { Budget } from '../../../core/ports';
import type { RequestPacer } from './pacer';

/**
 * What the control loop sees of Route 53's 5 requests per second: the tokens a move could take
 * now from this process's pacer (background reads never take the reserved ones, so a start-up
 * burst cannot empty it). A Throttling answer means someone else (another process, the console)
 * spent the account's budget: for the rest of that second the budget says 0, and no longer — the
 * limit is per second, and a cool-down of many seconds is what once skipped a failover.
 */
export class Route53Budget {
  private readonly throttles: number[] = [];

  constructor(
    private readonly now: () => number,
    private readonly pacer: RequestPacer,
  ) {}

  get perSecond(): number {
    return this.pacer.perSecond;
  }

  throttled(at: number): void {
    this.throttles.push(at);
    this.forget();
  }

  /** Throttled answers in the last minute. */
  recentThrottles(): number {
    this.forget();
    return this.throttles.length;
  }

  budget(): Budget {
    this.forget();
    const now = this.now();
    const last = this.throttles.at(-1);
    if (last !== undefined && now - last < 1000) return { remaining: 0, limit: this.perSecond, resetAt: last + 1000 };
    const remaining = this.pacer.available();
    return { remaining, limit: this.perSecond, resetAt: remaining < this.perSecond ? now + 1000 : null };
  }

  private forget(): void {
    const from = this.now() - 60_000;
    while (this.throttles.length > 0 && this.throttles[0]! <= from) this.throttles.shift();
  }
}
