import type { Budget } from '../../core/ports';
import { ThrottleWatch } from '../aws-ec2/throttle-watch';

/**
 * Route 53 allows 5 requests per second per account (its documented limit). We can only see our
 * own requests, so the budget is the limit minus what this process sent in the last second —
 * and 0 during the cool-down after a Throttling answer, when someone else evidently spent it.
 */
export class Route53Budget {
  private readonly sent: number[] = [];
  private readonly throttles: ThrottleWatch;

  constructor(
    private readonly now: () => number,
    readonly perSecond = 5,
  ) {
    this.throttles = new ThrottleWatch(now);
  }

  call(at: number): void {
    this.sent.push(at);
    this.forget();
  }

  throttled(at: number): void {
    this.throttles.record(at);
  }

  recentThrottles(): number {
    return this.throttles.recent();
  }

  budget(): Budget {
    this.forget();
    const cooling = this.throttles.budget();
    if (cooling.remaining === 0) return { remaining: 0, limit: this.perSecond, resetAt: cooling.resetAt };
    const remaining = Math.max(0, this.perSecond - this.sent.length);
    return { remaining, limit: this.perSecond, resetAt: this.sent.length > 0 ? this.sent[0]! + 1000 : null };
  }

  private forget(): void {
    const from = this.now() - 1000;
    while (this.sent.length > 0 && this.sent[0]! <= from) this.sent.shift();
  }
}
