import type { Clock } from '../../core/clock';
import type { HostAddress, HostNet } from '../../core/ports';
import { HostNetError } from './errors';

export type AnnouncePhase = 'burst' | 'refresh';

export interface AnnouncerOptions {
  hostNet: Pick<HostNet, 'announce'>;
  clock: Clock;
  /** Announcements right after binding (one packet each). */
  count?: number;
  /** Time between burst announcements. */
  spacingMs?: number;
  /**
   * Time between refreshes while the address stays owned; 0 turns refreshing off. Seed 000 keeps a
   * long-running arping because a router may have learnt the wrong MAC during a blip (a backup
   * briefly master) and nothing else would ever correct it.
   */
  refreshMs?: number;
  /** Skip (and report) an announcement while this many for the same address are still running. */
  maxInFlight?: number;
  /** Every failure ends here, never in a timer. `afterStop`: the address was released meanwhile. */
  onError: (err: unknown, addr: HostAddress, context: { phase: AnnouncePhase; afterStop: boolean }) => void;
}

/** Three packets half a second apart survive one lost frame and a slow switch; then every 5 s. */
export const ANNOUNCER_DEFAULTS = { count: 3, spacingMs: 500, refreshMs: 5000, maxInFlight: 4 } as const;

interface Entry {
  addr: HostAddress;
  stop: AbortController;
  inFlight: number;
}

/**
 * Keeps announcing the addresses this host owns: a burst right after binding, then a refresh every
 * `refreshMs` until `stop`. Announcements are fired, not awaited in turn, so a slow announce
 * (arping lingers a second after its packet) never stretches the spacing.
 */
export class Announcer {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Set<Promise<void>>();
  private readonly count: number;
  private readonly spacingMs: number;
  private readonly refreshMs: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: AnnouncerOptions) {
    this.count = Math.max(1, Math.floor(options.count ?? ANNOUNCER_DEFAULTS.count));
    this.spacingMs = Math.max(0, options.spacingMs ?? ANNOUNCER_DEFAULTS.spacingMs);
    this.refreshMs = Math.max(0, options.refreshMs ?? ANNOUNCER_DEFAULTS.refreshMs);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? ANNOUNCER_DEFAULTS.maxInFlight);
  }

  /** Starts announcing `addr` (the first packet goes now). Returns false when it already was. */
  start(addr: HostAddress): boolean {
    const k = key(addr);
    if (this.entries.has(k)) return false;
    const entry: Entry = { addr: { ...addr }, stop: new AbortController(), inFlight: 0 };
    this.entries.set(k, entry);
    void this.loop(entry);
    return true;
  }

  /** A fresh burst now, e.g. after the link came back: the segment may have forgotten us. */
  restart(addr: HostAddress): void {
    this.stop(addr);
    this.start(addr);
  }

  /** Stops announcing `addr`; call it before unbinding. Returns false when it was not announced. */
  stop(addr: HostAddress): boolean {
    const entry = this.entries.get(key(addr));
    if (!entry) return false;
    entry.stop.abort(new Error('announcer stopped'));
    this.entries.delete(key(addr));
    return true;
  }

  stopAll(): void {
    for (const entry of [...this.entries.values()]) this.stop(entry.addr);
  }

  /** Addresses being announced now. */
  active(): HostAddress[] {
    return [...this.entries.values()].map((e) => ({ ...e.addr }));
  }

  /** Resolves when no announcement is running (for shutdown and tests). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000 && this.running.size > 0; i++) await Promise.allSettled([...this.running]);
  }

  private async loop(entry: Entry): Promise<void> {
    const signal = entry.stop.signal;
    try {
      for (let i = 0; i < this.count; i++) {
        if (i > 0) await this.options.clock.sleep(this.spacingMs, signal);
        this.fire(entry, 'burst');
      }
      if (this.refreshMs === 0) return;
      // Bounded by stop(): the loop ends when the address is released.
      while (!signal.aborted) {
        await this.options.clock.sleep(this.refreshMs, signal);
        this.fire(entry, 'refresh');
      }
    } catch (err) {
      if (!signal.aborted) this.report(err, entry, 'refresh');
    }
  }

  private fire(entry: Entry, phase: AnnouncePhase): void {
    if (entry.stop.signal.aborted) return;
    if (entry.inFlight >= this.maxInFlight) {
      const err = new HostNetError(
        'transient',
        `announce ${entry.addr.address} skipped: ${entry.inFlight} still running`,
      );
      this.report(err, entry, phase);
      return;
    }
    entry.inFlight++;
    const call = Promise.resolve()
      .then(() => this.options.hostNet.announce(entry.addr, { count: 1 }))
      .catch((err: unknown) => this.report(err, entry, phase))
      .finally(() => {
        entry.inFlight--;
        this.running.delete(call);
      });
    this.running.add(call);
  }

  private report(err: unknown, entry: Entry, phase: AnnouncePhase): void {
    try {
      this.options.onError(err, entry.addr, { phase, afterStop: entry.stop.signal.aborted });
    } catch {
      // The callback's own failure has nowhere better to go; it must not become an unhandled rejection.
    }
  }
}

function key(a: HostAddress): string {
  return `${a.interface}|${a.address}`;
}
