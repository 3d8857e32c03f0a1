import type { Budget } from '../../../core/ports';

/**
 * The account's failover-switch budget as this client knows it: Robot allows 50 switches (POST or
 * DELETE /failover/{ip}) per hour, counted over a sliding hour. We record every switch we send and,
 * when Robot says the limit is reached, believe it for `retryAfterMs` even if our own count
 * disagrees (other scripts may share the account).
 */
export class SwitchBudget {
  private sent: number[] = [];
  private blockedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  record(at: number): void {
    this.sent.push(at);
  }

  exhaustedUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  at(now: number): Budget {
    this.sent = this.sent.filter((t) => t > now - this.windowMs);
    const blocked = now < this.blockedUntil;
    const oldest = this.sent[0];
    const freesAt = oldest === undefined ? null : oldest + this.windowMs;
    return {
      remaining: blocked ? 0 : Math.max(0, this.limit - this.sent.length),
      limit: this.limit,
      resetAt: blocked ? Math.max(this.blockedUntil, freesAt ?? 0) : freesAt,
    };
  }
}
