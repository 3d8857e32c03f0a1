/** Every call an emulator served, so tests can count API calls (and mutating calls) per action. */
export interface CallRecord {
  at: number;
  action: string;
  mutating: boolean;
  /** HTTP status the emulator answered with. */
  status: number;
  /** Error code, when the call failed. */
  error?: string;
}

export class CallLog {
  readonly calls: CallRecord[] = [];

  record(call: CallRecord): void {
    this.calls.push(call);
    if (this.calls.length > 100_000) this.calls.splice(0, 50_000);
  }

  count(filter: { action?: string; mutating?: boolean; ok?: boolean } = {}): number {
    return this.calls.filter(
      (c) =>
        (filter.action === undefined || c.action === filter.action) &&
        (filter.mutating === undefined || c.mutating === filter.mutating) &&
        (filter.ok === undefined || c.status < 400 === filter.ok),
    ).length;
  }

  clear(): void {
    this.calls.length = 0;
  }
}
