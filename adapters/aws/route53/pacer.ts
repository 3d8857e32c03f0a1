import type { Clock } from '../../../core/clock';
import type { Route53Sender } from './client';

export type Priority = 'move' | 'background';

/**
 * Route 53 allows 5 requests per second per account ("Quotas on API requests", Route 53
 * Developer Guide) and answers Throttling beyond it. Every request this process sends waits here
 * for a token first, so our own bursts never reach the limit, and `reserve` tokens of each second
 * are kept for moves: observe, drift reads and round-robin publishing (background) take a token
 * only while more than `reserve` are left. A start-up that reads every record therefore spreads
 * itself over seconds instead of spending the account's budget, and a failover that comes
 * during it still finds tokens (the incident in #14: a burst at start-up, throttles, and a
 * failover 10 s later skipped as "budget exhausted").
 */
export class RequestPacer {
  private tokens: number;
  private at: number;
  /** Waiters, moves first; each resolves when it has taken its token. */
  private readonly queue: Array<{ priority: Priority; wake: () => void }> = [];
  private pumping = false;

  constructor(
    private readonly clock: Clock,
    readonly perSecond = 5,
    readonly reserve = 2,
  ) {
    this.tokens = perSecond;
    this.at = clock.now();
  }

  /** Tokens a move could take right now. */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  take(priority: Priority): Promise<void> {
    return new Promise<void>((wake) => {
      const entry = { priority, wake };
      // Moves go ahead of every waiting background read.
      const firstBackground = this.queue.findIndex((q) => q.priority === 'background');
      if (priority === 'move' && firstBackground >= 0) this.queue.splice(firstBackground, 0, entry);
      else this.queue.push(entry);
      void this.pump();
    });
  }

  /** A sender whose every request first takes a token of `priority`. */
  sender(client: Route53Sender, priority: Priority): Route53Sender {
    const send = (async (command: unknown, options?: unknown) => {
      await this.take(priority);
      return (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
    }) as Route53Sender['send'];
    return { send };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        this.refill();
        const head = this.queue[0]!;
        const floor = head.priority === 'move' ? 1 : 1 + this.reserve;
        if (this.tokens >= floor) {
          this.tokens -= 1;
          this.queue.shift();
          head.wake();
          continue;
        }
        await this.clock.sleep(Math.max(1, Math.ceil(((floor - this.tokens) / this.perSecond) * 1000)));
      }
    } finally {
      this.pumping = false;
    }
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.perSecond, this.tokens + (Math.max(0, now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }
}
