import type { LabProcess } from './process';

/** One change of a host's addresses, as the kernel reported it (`ip -o monitor address`). */
export interface AddressEvent {
  /** When the line reached this process (Date.now()). */
  at: number;
  host: string;
  address: string;
  prefixLength: number;
  interface: string;
  added: boolean;
}

/** Who held an address when, from the kernel's own notifications: exact, where ARP only samples. */
export interface AddressWatch {
  /** Hosts holding `address` now, as the kernel last said, in host order. */
  holders(address: string): string[];
  /** Every change so far, in arrival order (copies). */
  events(): AddressEvent[];
  /** Largest number of hosts holding `address` at one instant within [from, to] (whole run by default). */
  maxHolders(address: string, from?: number, to?: number): number;
  /** Stretches of time with more than one holder of `address`, for error messages. */
  overlaps(address: string): Array<{ from: number; to: number | null; hosts: string[] }>;
  stop(): Promise<AddressEvent[]>;
}

/**
 * `ip -o monitor address` prints one line per change, e.g.
 *   "3: eth0    inet 198.18.0.50/24 scope global secondary eth0\       valid_lft forever …"
 *   "Deleted 3: eth0    inet 198.18.0.50/24 scope global secondary eth0\ …"
 */
const LINE = /^(Deleted )?\d+: (\S+)\s+inet6? ([0-9a-fA-F.:]+)\/(\d+)/;

export function parseMonitorLine(line: string, host: string, at: number): AddressEvent | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return {
    at,
    host,
    address: m[3]!.toLowerCase(),
    prefixLength: Number(m[4]),
    interface: m[2]!,
    added: m[1] === undefined,
  };
}

/**
 * Builds the watch from one monitor per host. `seed` adds what a host already carried when its
 * monitor started (from `ip -j addr`), unless the monitor has reported that address since.
 */
export function createAddressWatch(hosts: readonly string[]): AddressWatch & {
  attach(host: string, proc: LabProcess): void;
  seed(
    host: string,
    addresses: ReadonlyArray<{ address: string; prefixLength: number; interface: string }>,
    at: number,
  ): void;
} {
  const events: AddressEvent[] = [];
  const procs: LabProcess[] = [];
  const order = new Map(hosts.map((h, i) => [h, i]));
  const record = (e: AddressEvent) => events.push(e);

  const timeline = (address: string) =>
    events
      .filter((e) => e.address === address.toLowerCase())
      // Within one millisecond, a release counts before a take: arrival order across two pipes
      // carries no meaning at that resolution.
      .sort((a, b) => a.at - b.at || Number(a.added) - Number(b.added));

  const sweep = (address: string, visit: (at: number, holders: ReadonlySet<string>) => void) => {
    const holding = new Set<string>();
    for (const e of timeline(address)) {
      if (e.added) holding.add(e.host);
      else holding.delete(e.host);
      visit(e.at, holding);
    }
  };

  return {
    attach(host, proc) {
      procs.push(proc);
      proc.onLine((line, at) => {
        const e = parseMonitorLine(line, host, at);
        if (e) record(e);
      });
    },
    seed(host, addresses, at) {
      for (const a of addresses) {
        const seen = events.some((e) => e.host === host && e.address === a.address.toLowerCase());
        if (!seen)
          record({
            at,
            host,
            address: a.address.toLowerCase(),
            prefixLength: a.prefixLength,
            interface: a.interface,
            added: true,
          });
      }
    },
    holders(address) {
      let last: string[] = [];
      sweep(address, (_at, h) => (last = [...h]));
      return last.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    },
    events: () => events.map((e) => ({ ...e })),
    maxHolders(address, from = -Infinity, to = Infinity) {
      let max = 0;
      let before = 0;
      sweep(address, (at, h) => {
        // An event in the very millisecond of `from` was seen before the caller marked `from`
        // (a test marks a phase once it sees the change): the state after it is the window's start.
        if (at <= from) before = h.size;
        else if (at <= to) max = Math.max(max, h.size);
      });
      // What held at `from` still counts within the window.
      return Math.max(max, before);
    },
    overlaps(address) {
      const out: Array<{ from: number; to: number | null; hosts: string[] }> = [];
      let open: { from: number; to: number | null; hosts: string[] } | undefined;
      sweep(address, (at, h) => {
        if (h.size > 1 && !open) {
          open = { from: at, to: null, hosts: [...h] };
          out.push(open);
        } else if (h.size > 1 && open) open.hosts = [...new Set([...open.hosts, ...h])];
        else if (h.size <= 1 && open) {
          open.to = at;
          open = undefined;
        }
      });
      return out;
    },
    async stop() {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      return events.map((e) => ({ ...e }));
    },
  };
}
