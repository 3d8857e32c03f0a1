/**
 * "At most `max` requests per `intervalMs`", counted over a sliding window, the way Robot states
 * its limits (e.g. 50 failover switches per hour). Unlike a token bucket it does not refill
 * evenly: a burst of 50 blocks the account until the first of them is an hour old.
 */
export class RequestWindow {
  private stamps: number[] = [];

  constructor(
    readonly max: number,
    readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Records one request and returns true, or returns false (recording nothing) when full. */
  take(): boolean {
    this.prune();
    if (this.stamps.length >= this.max) return false;
    this.stamps.push(this.now());
    return true;
  }

  get remaining(): number {
    this.prune();
    return Math.max(0, this.max - this.stamps.length);
  }

  /** Uses up the window, as if other scripts on the account had just spent it. */
  exhaust(): void {
    this.prune();
    while (this.stamps.length < this.max) this.stamps.push(this.now());
  }

  private prune(): void {
    const cutoff = this.now() - this.intervalMs;
    while (this.stamps.length > 0 && this.stamps[0]! <= cutoff) this.stamps.shift();
  }
}
