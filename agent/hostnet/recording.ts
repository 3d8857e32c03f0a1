import type { FailureReason } from '../../core/reasons';
import type { AddressEvents, HostAddress, HostNet } from '../../core/ports';
import { HostNetError } from './errors';

export type RecordedOp = 'bound' | 'bind' | 'unbind' | 'announce';

export interface RecordedOperation {
  at: number;
  op: RecordedOp;
  /** Absent for `bound`. */
  addr?: HostAddress;
  /** For `bound`: the interfaces asked about. For `announce`: the count asked for. */
  interfaces?: readonly string[];
  count?: number;
  /** False when the call changed nothing (already bound, already absent) or failed. */
  changed: boolean;
  /** Set when an injected failure made the call throw. */
  error?: string;
}

export interface RecordingHostNetOptions {
  now?: () => number;
  /** Why nothing is applied, for `describe()` ("not root", "demo"). */
  reason?: string;
  /** Addresses bound from the start. */
  initial?: readonly HostAddress[];
  /**
   * Operations kept, oldest dropped first (default 10,000): an agent running for days with
   * `--hostnet recording` lists the host every second and must not keep every listing.
   */
  maxOperations?: number;
  /** Report address changes to a watcher, as `ip monitor` does on Linux (off: tests count listings). */
  watchable?: boolean;
}

/**
 * A HostNet that applies nothing: it keeps the bound set in memory, with the same idempotence as
 * the real one, and records every call with a timestamp. The demo prints its log when it cannot
 * touch the host; unit tests assert on it.
 */
export class RecordingHostNet implements HostNet {
  readonly operations: RecordedOperation[] = [];
  private readonly addrs = new Map<string, HostAddress>();
  private readonly failures: Array<{ op: RecordedOp; reason: FailureReason; message: string }> = [];
  private readonly now: () => number;
  private readonly maxOperations: number;
  readonly reason: string;
  readonly watch?: (events: AddressEvents) => { stop(): void };
  private readonly watchers = new Set<AddressEvents>();

  constructor(options: RecordingHostNetOptions = {}) {
    this.now = options.now ?? Date.now;
    this.reason = options.reason ?? 'recording';
    this.maxOperations = Math.max(1, options.maxOperations ?? 10_000);
    for (const a of options.initial ?? []) this.addrs.set(key(a), { ...a });
    if (options.watchable) {
      this.watch = (events) => {
        this.watchers.add(events);
        return { stop: () => this.watchers.delete(events) };
      };
    }
  }

  async bound(interfaces: readonly string[]): Promise<Set<string>> {
    this.take('bound', { interfaces: [...interfaces] });
    const wanted = new Set(interfaces);
    return new Set([...this.addrs.values()].filter((a) => wanted.has(a.interface)).map((a) => a.address));
  }

  async bind(addr: HostAddress): Promise<void> {
    const changed = !this.addrs.has(key(addr));
    this.take('bind', { addr, changed });
    this.addrs.set(key(addr), { ...addr });
    if (changed) this.tellWatchers();
  }

  async unbind(addr: HostAddress): Promise<void> {
    const changed = this.addrs.has(key(addr));
    this.take('unbind', { addr, changed });
    this.addrs.delete(key(addr));
    if (changed) this.tellWatchers();
  }

  /** The watch ends, as when `ip monitor` dies: watchers hear `lost` once and nothing after. */
  loseWatch(reason: string): void {
    const watchers = [...this.watchers];
    this.watchers.clear();
    for (const w of watchers) w.lost(reason);
  }

  /** Like the kernel's notification, after the change and not inside the call that made it. */
  private tellWatchers(): void {
    for (const w of this.watchers) queueMicrotask(() => w.changed());
  }

  async announce(addr: HostAddress, opts: { count?: number; intervalMs?: number } = {}): Promise<void> {
    this.take('announce', { addr, count: opts.count ?? 1 });
  }

  /** Makes the next call of `op` throw a HostNetError with this reason (and record it as failed). */
  failNext(op: RecordedOp, reason: FailureReason, message = `injected ${reason}`): void {
    this.failures.push({ op, reason, message });
  }

  /** Whether the address is in the in-memory bound set. */
  has(addr: HostAddress): boolean {
    return this.addrs.has(key(addr));
  }

  /** Operations of one kind, in order. */
  only(op: RecordedOp): RecordedOperation[] {
    return this.operations.filter((o) => o.op === op);
  }

  /** One line per mutating operation: "bind 198.18.0.50/24 on eth0 (recorded, not applied: not root)". */
  describe(o: RecordedOperation): string {
    const note = `recorded, not applied: ${this.reason}`;
    if (o.op === 'bound') return `list addresses on ${(o.interfaces ?? []).join(', ')} (${note})`;
    const a = o.addr!;
    const what =
      o.op === 'bind'
        ? `bind ${a.address}/${a.prefixLength} on ${a.interface}`
        : o.op === 'unbind'
          ? `unbind ${a.address}/${a.prefixLength} from ${a.interface}`
          : `announce ${a.address} on ${a.interface} (${a.family === 4 ? 'gratuitous ARP' : 'unsolicited NA'} x${o.count ?? 1})`;
    if (o.error) return `${what} failed: ${o.error}`;
    if (o.changed || o.op === 'announce') return `${what} (${note})`;
    return `${what} (already ${o.op === 'bind' ? 'bound' : 'absent'}; ${note})`;
  }

  private take(op: RecordedOp, fields: Omit<RecordedOperation, 'at' | 'op' | 'changed'> & { changed?: boolean }): void {
    const at = this.now();
    const i = this.failures.findIndex((f) => f.op === op);
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      this.operations.push({ at, op, ...fields, addr: copy(fields.addr), changed: false, error: f!.message });
      throw new HostNetError(f!.reason, f!.message);
    }
    this.operations.push({ at, op, ...fields, addr: copy(fields.addr), changed: fields.changed ?? false });
    // Trimmed in batches so a long run does not pay an array shift per operation.
    if (this.operations.length > this.maxOperations * 1.1)
      this.operations.splice(0, this.operations.length - this.maxOperations);
  }
}

function key(a: HostAddress): string {
  return `${a.interface}|${a.address}`;
}

function copy(a: HostAddress | undefined): HostAddress | undefined {
  return a ? { ...a } : undefined;
}
