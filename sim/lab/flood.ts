import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { getPriority, setPriority } from 'node:os';
import { pathToFileURL } from 'node:url';

/**
 * A UDP flood generator for the lab (issue 17, finding 3): random datagrams at a fixed rate to one
 * address and port, from whatever namespace it is spawned in. Bounded twice: it stops after
 * `seconds` or after `count` datagrams, whichever comes first, and it refuses targets outside
 * loopback and 198.18.0.0/15 so that it can never be pointed at anything but a lab.
 *
 * One connected socket (no address lookup per send) and bursts paced against the clock every
 * event-loop turn: measured at ~270k datagrams a second on this 2-core machine, enough for the
 * 150k target without a Debian package (hping3 and friends would need raw sockets and apt).
 */
export interface FloodOptions {
  host: string;
  port: number;
  /** Datagrams a second. */
  rate: number;
  seconds: number;
  /** At most this many datagrams (default rate × seconds). */
  count?: number;
  /**
   * Ask for this nice value first (root only; ignored, and said in the result, when refused): on a
   * loaded machine the sender pays for the receiver's kernel work over veth, and at nice 0 it
   * reaches a fraction of the rate. Bounded like everything here: 60 s at most.
   */
  nice?: number;
  /**
   * Send from this local address and port (a peer's, added to the flooding host: a spoofed
   * source without raw sockets). Default: any.
   */
  from?: { host: string; port: number };
  /** Payload sizes are drawn from [minBytes, maxBytes] (default 16–256). */
  minBytes?: number;
  maxBytes?: number;
}

export interface FloodResult {
  sent: number;
  elapsedMs: number;
  perSecond: number;
  /** Send errors (ICMP port unreachable comes back as ECONNREFUSED on a connected socket). */
  errors: number;
  /** The nice value it ran at. */
  nice: number;
}

const LAB_TARGET = /^(127\.\d+\.\d+\.\d+|198\.1[89]\.\d+\.\d+)$/;

export async function flood(o: FloodOptions): Promise<FloodResult> {
  if (!LAB_TARGET.test(o.host))
    throw new Error(`flood: refusing target ${JSON.stringify(o.host)}: only loopback and 198.18.0.0/15 (the lab)`);
  if (!(o.rate > 0 && o.rate <= 1_000_000 && o.seconds > 0 && o.seconds <= 60))
    throw new Error('flood: rate must be in (0, 1e6] and seconds in (0, 60]');
  if (o.nice !== undefined) {
    try {
      setPriority(0, o.nice);
    } catch {
      // Not root: the flood runs at the priority it has, and the result says which.
    }
  }
  const count = Math.min(o.count ?? Infinity, Math.ceil(o.rate * o.seconds));
  const min = o.minBytes ?? 16;
  const max = Math.max(min, o.maxBytes ?? 256);
  // A pool of random payloads, cycled: fresh randomness per datagram would cost more than the send.
  const pool = Array.from({ length: 256 }, () => randomBytes(min + Math.floor(Math.random() * (max - min + 1))));
  const socket = createSocket('udp4');
  let errors = 0;
  socket.on('error', () => errors++);
  if (o.from) {
    if (!LAB_TARGET.test(o.from.host))
      throw new Error(
        `flood: refusing source ${JSON.stringify(o.from.host)}: only loopback and 198.18.0.0/15 (the lab)`,
      );
    const from = o.from;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(from.port, from.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(o.port, o.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const turn = (): void => {
      const now = performance.now();
      if (now >= deadline || sent >= count) return resolve();
      // As many as the schedule says are due by now, at most 10 ms worth per turn (no catch-up storm).
      const due = Math.min(count, Math.floor(((now - started) / 1000) * o.rate)) - sent;
      const burst = Math.min(due, Math.ceil(o.rate / 100));
      for (let i = 0; i < burst; i++) socket.send(pool[(sent + i) & 255]!);
      sent += Math.max(0, burst);
      setImmediate(turn);
    };
    turn();
  });
  const elapsedMs = performance.now() - started;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return {
    sent,
    elapsedMs: Math.round(elapsedMs),
    perSecond: Math.round(sent / (elapsedMs / 1000)),
    errors,
    nice: getPriority(0),
  };
}

/** `node --import tsx sim/lab/flood.ts HOST PORT RATE SECONDS [NICE [FROM_ADDR:FROM_PORT]]`: one JSON line with the result. */
async function main(argv: readonly string[]): Promise<void> {
  const [host, port, rate, seconds, nice, from] = argv;
  const src = from ? /^([\d.]+):(\d{1,5})$/.exec(from) : null;
  if (from && !src) {
    process.stderr.write(`flood: FROM must be ADDR:PORT, got ${JSON.stringify(from.slice(0, 40))}\n`);
    process.exitCode = 2;
    return;
  }
  const n = (x: string | undefined) => Number(x);
  if (!host || !Number.isInteger(n(port)) || !(n(rate) > 0) || !(n(seconds) > 0)) {
    process.stderr.write('usage: flood.ts HOST PORT RATE SECONDS [NICE [FROM_ADDR:FROM_PORT]]\n');
    process.exitCode = 2;
    return;
  }
  const result = await flood({
    host,
    port: n(port),
    rate: n(rate),
    seconds: n(seconds),
    ...(nice !== undefined && Number.isInteger(n(nice)) ? { nice: n(nice) } : {}),
    ...(src ? { from: { host: src[1]!, port: n(src[2]) } } : {}),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  });
}
