import type { LabProcess } from './process';

/** The answers to one ARP request: more than one host here means two holders at once. */
export interface ArpRound {
  /** When the first answer arrived. */
  at: number;
  macs: string[];
  /** Lab member names for the MACs (unknown MACs as "mac:…"). */
  hosts: string[];
}

export interface ResponderWatch {
  /** Rounds so far (copies). */
  rounds(): ArpRound[];
  /** Largest number of distinct hosts that answered one request, since `since` (ms) if given. */
  maxDistinct(since?: number): number;
  stop(): Promise<ArpRound[]>;
}

/**
 * iputils arping prints one line per reply:
 *   "Unicast reply from 198.18.0.50 [02:18:00:00:00:0B]  0.560ms"
 * With -b every request is broadcast, so every holder sees and answers every request; without it
 * arping switches to unicast after the first reply and would only ever hear that one host again.
 */
const REPLY = /^(?:Unicast|Broadcast) reply from (\S+) \[([0-9A-Fa-f:]{17})\]/;

/**
 * Replies to one request arrive within a millisecond or so of each other; replies to the next
 * request (of this or another arping) come at least `1000 / processes` ms later. A reply within
 * this window of a round's first reply belongs to that round.
 */
export function roundWindowMs(processes: number): number {
  return Math.min(400, 500 / Math.max(1, processes));
}

/**
 * Groups replies into rounds, mapping MACs to hosts. Every arping on a host reads every ARP reply
 * that host receives (a packet socket sees them all), so only one process is read (`reader: true`)
 * however many send; the others run quiet.
 */
export function createResponderWatch(
  vip: string,
  hostOfMac: (mac: string) => string | undefined,
  windowMs: number,
): ResponderWatch & { attach(proc: LabProcess, reader: boolean): void } {
  const rounds: ArpRound[] = [];
  const procs: LabProcess[] = [];
  let stopped = false;
  let current: ArpRound | undefined;
  const attach = (proc: LabProcess, reader: boolean) => {
    procs.push(proc);
    if (stopped) proc.kill('SIGKILL'); // a staggered start that lost the race with stop()
    if (!reader) return;
    proc.onLine((line, at) => {
      const m = REPLY.exec(line);
      if (!m || m[1] !== vip) return;
      const mac = m[2]!.toLowerCase();
      if (!current || at - current.at > windowMs) {
        current = { at, macs: [], hosts: [] };
        rounds.push(current);
      }
      if (!current.macs.includes(mac)) {
        current.macs.push(mac);
        current.hosts.push(hostOfMac(mac) ?? `mac:${mac}`);
      }
    });
  };
  const snapshot = () =>
    rounds.map((r) => ({ ...r, macs: [...r.macs], hosts: [...r.hosts] })).sort((a, b) => a.at - b.at);
  return {
    attach,
    rounds: snapshot,
    maxDistinct: (since = 0) => Math.max(0, ...rounds.filter((r) => r.at >= since).map((r) => new Set(r.hosts).size)),
    stop: async () => {
      stopped = true;
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      return snapshot();
    },
  };
}
