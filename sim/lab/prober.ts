import { waitForLine, type LabProcess } from './process';

export interface ProberOptions {
  vip: string;
  /** The responders' port; the lab's by default. */
  port?: number;
  /** Probing stops by itself after this long (bounded, always). */
  durationMs: number;
  /** UDP probe period; default 10 ms. */
  udpIntervalMs?: number;
  /** TCP connect period; default 100 ms; 0 turns TCP off. */
  tcpIntervalMs?: number;
  /** A TCP attempt counts as failed after this; default 1000 ms. */
  tcpTimeoutMs?: number;
  /** Late UDP answers accepted this long after the last probe; default 300 ms. */
  graceMs?: number;
}

export interface UdpProbe {
  seq: number;
  sentAt: number;
  /** Every answer, in arrival order (more than one means more than one holder answered). */
  replies: Array<{ by: string; at: number }>;
}

export interface TcpProbe {
  seq: number;
  sentAt: number;
  /** Who answered, or null when the attempt failed. */
  by: string | null;
  ms: number;
  error?: string;
}

export interface ProbeTimeline {
  vip: string;
  udpIntervalMs: number;
  startedAt: number;
  /** When probing ended; null while it runs. */
  endedAt: number | null;
  /** False when the prober was stopped or died before its deadline. */
  complete: boolean;
  udp: UdpProbe[];
  tcp: TcpProbe[];
}

export interface Prober {
  readonly startedAt: number;
  /** The timeline so far (a copy). */
  snapshot(): ProbeTimeline;
  /** Resolves at the prober's own deadline. */
  done(): Promise<ProbeTimeline>;
  /** Ends probing now. */
  stop(): Promise<ProbeTimeline>;
}

export type ResolvedProberOptions = Required<ProberOptions>;

export function resolveProberOptions(o: ProberOptions, defaultPort: number): ResolvedProberOptions {
  const r = { port: defaultPort, udpIntervalMs: 10, tcpIntervalMs: 100, tcpTimeoutMs: 1000, graceMs: 300, ...o };
  if (!(r.durationMs > 0) || !(r.udpIntervalMs >= 1))
    throw new Error('prober needs durationMs > 0 and udpIntervalMs ≥ 1');
  return r;
}

/** Reads a running probe-client's lines into a timeline. */
export async function attachProber(proc: LabProcess, o: ResolvedProberOptions): Promise<Prober> {
  const timeline: ProbeTimeline = {
    vip: o.vip,
    udpIntervalMs: o.udpIntervalMs,
    startedAt: 0,
    endedAt: null,
    complete: false,
    udp: [],
    tcp: [],
  };
  const udp = new Map<number, UdpProbe>();
  let last = 0;
  proc.onLine((line) => {
    let e: { k?: string; q?: number; t?: number; b?: string | null; ms?: number; e?: string };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return; // not ours (a runtime warning); the timeline only takes its own events
    }
    const t = e.t ?? Date.now();
    last = Math.max(last, t);
    if (e.k === 'start') timeline.startedAt = t;
    else if (e.k === 'us' && e.q !== undefined) {
      const p: UdpProbe = { seq: e.q, sentAt: t, replies: [] };
      udp.set(e.q, p);
      timeline.udp.push(p);
    } else if (e.k === 'ur' && e.q !== undefined && typeof e.b === 'string')
      udp.get(e.q)?.replies.push({ by: e.b, at: t });
    else if (e.k === 'tc' && e.q !== undefined) {
      timeline.tcp.push({ seq: e.q, sentAt: t, by: e.b ?? null, ms: e.ms ?? 0, ...(e.e ? { error: e.e } : {}) });
    } else if (e.k === 'end') {
      timeline.endedAt = t;
      timeline.complete = true;
    }
  });
  const startedAt = await waitForLine(
    proc,
    (l) => (l.startsWith('{"k":"start"') ? (JSON.parse(l) as { t: number }).t : undefined),
    10_000,
  );
  const finished = proc.exited.then(() => {
    timeline.endedAt ??= last || Date.now();
    return copy(timeline);
  });
  return {
    startedAt,
    snapshot: () => copy(timeline),
    done: async () => {
      // Its own deadline plus slack; a stopped (SIGSTOP) or wedged prober is killed, not awaited forever.
      const limit = o.durationMs + o.graceMs + o.tcpTimeoutMs + 5000;
      const timer = setTimeout(() => proc.kill('SIGKILL'), Math.max(0, startedAt + limit - Date.now()));
      try {
        return await finished;
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      proc.kill('SIGKILL');
      return finished;
    },
  };
}

function copy(t: ProbeTimeline): ProbeTimeline {
  return { ...t, udp: t.udp.map((p) => ({ ...p, replies: [...p.replies] })), tcp: t.tcp.map((p) => ({ ...p })) };
}
