import type { ArpRound, ResponderWatch } from './arp-watch';
import type { LabProcess } from './process';

/**
 * The IPv6 twin of the ARP watch. `ndisc6 -m -q -r 1 -w W VIP eth0` sends one neighbour
 * solicitation and prints the MAC of *every* advertisement that answers within W ms, one per line
 * ("02:18:00:00:00:0C"), then exits: one process is one round, so rounds are back to back.
 */
const MAC = /^([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})$/;

export function startNdWatch(
  spawn: (file: string, args: string[]) => LabProcess | undefined,
  vip: string,
  hostOfMac: (mac: string) => string | undefined,
  durationMs: number,
  waitMs = 250,
): ResponderWatch {
  const rounds: ArpRound[] = [];
  const deadline = Date.now() + durationMs;
  let current: LabProcess | undefined;
  let stopped = false;
  const loop = (async () => {
    // Bounded by the deadline (each round takes waitMs) and by stop().
    while (!stopped && Date.now() < deadline) {
      const at = Date.now();
      const proc = spawn('ndisc6', ['-m', '-n', '-q', '-r', '1', '-w', String(waitMs), vip, 'eth0']);
      if (!proc) return;
      current = proc;
      const macs: string[] = [];
      proc.onLine((line) => {
        const mac = MAC.exec(line.trim())?.[1]?.toLowerCase();
        if (mac && !macs.includes(mac)) macs.push(mac);
      });
      await proc.exited;
      if (macs.length > 0) rounds.push({ at, macs, hosts: macs.map((m) => hostOfMac(m) ?? `mac:${m}`) });
    }
  })();
  const snapshot = () => rounds.map((r) => ({ ...r, macs: [...r.macs], hosts: [...r.hosts] }));
  return {
    rounds: snapshot,
    maxDistinct: (since = 0) => Math.max(0, ...rounds.filter((r) => r.at >= since).map((r) => new Set(r.hosts).size)),
    stop: async () => {
      stopped = true;
      current?.kill('SIGKILL');
      await loop;
      return snapshot();
    },
  };
}
