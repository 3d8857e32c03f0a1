/**
 * Counts HTTP calls by operation name. A client keeps one for its lifetime; a caller can pass its
 * own to a single method to count what one logical operation (a move, a verify) used, even while
 * other operations run concurrently on the same client.
 */
export class CallCounter {
  private readonly byOperation = new Map<string, number>();
  private count = 0;

  add(operation: string): void {
    this.count += 1;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }

  /** Calls of one operation, or all calls when none is named. */
  get(operation?: string): number {
    return operation === undefined ? this.count : (this.byOperation.get(operation) ?? 0);
  }

  get total(): number {
    return this.count;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.byOperation);
  }

  reset(): void {
    this.byOperation.clear();
    this.count = 0;
  }
}
