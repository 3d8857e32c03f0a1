import { analyze, type ArpRound, type ProbeAnalysis, type ProbeTimeline } from '../../sim/lab';
import type { Lab } from '../../sim/lab';

/** What probing needs of a cluster (harness.ts's ProbedCluster has it), named here so probing need not import the harness. */
export interface ProbedCluster {
  readonly lab: Lab;
  address(vip: string): string;
  maxHolders(vip: string, from?: number, to?: number): number;
}

export interface ProbeRunOptions {
  /** VIP name. */
  vip: string;
  /** Hard bound on the whole run: the prober stops by itself then, whatever the script does. */
  limitMs: number;
  /** Probing before the script starts (default 1000 ms). */
  leadMs?: number;
  /** Probing after the script ends (default 1000 ms). */
  tailMs?: number;
  /** arping processes (requests a second) in the observer; default 4. */
  arpProcesses?: number;
}

/** What the client sees while the script runs. */
export interface ClientView {
  /** The latest answer to a UDP probe: who, and when. */
  lastAnswer(): { by: string; at: number } | null;
}

/** One stretch of a run, from its mark to the next mark (or the end). */
export interface PhaseResult extends ProbeAnalysis {
  from: number;
  to: number;
  /** Largest number of hosts whose kernel carried the VIP at one instant in the stretch. */
  holders: number;
}

/** Late answers to the probes of the last moments may not have been read when the prober is stopped. */
const UNREAD_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A probe run: UDP every 10 ms and TCP every 100 ms from the client, ARP rounds from the observer,
 * while a script applies faults and marks when each happened. Each phase is analysed on its own
 * (outage, who answered, distinct responders), and against the kernel's record of holders.
 */
export class Probing {
  private constructor(
    private readonly cluster: ProbedCluster,
    readonly vip: string,
    readonly timeline: ProbeTimeline,
    readonly rounds: ArpRound[],
    readonly marks: ReadonlyMap<string, number>,
    readonly startedAt: number,
    readonly endedAt: number,
  ) {}

  static async run(
    cluster: ProbedCluster,
    o: ProbeRunOptions,
    script: (mark: (phase: string) => number, client: ClientView) => Promise<void>,
  ): Promise<Probing> {
    const address = cluster.address(o.vip);
    const watch = cluster.lab.watchResponders(address, {
      durationMs: o.limitMs + 2000,
      processes: o.arpProcesses ?? 4,
    });
    const prober = await cluster.lab.startProber({ vip: address, durationMs: o.limitMs });
    const marks = new Map<string, number>();
    const mark = (phase: string) => {
      if (marks.has(phase)) throw new Error(`phase "${phase}" marked twice`);
      const at = Date.now();
      marks.set(phase, at);
      return at;
    };
    const client: ClientView = {
      lastAnswer: () => {
        const answered = prober.snapshot().udp.filter((p) => p.replies.length > 0);
        const last = answered.at(-1);
        return last ? { by: last.replies[0]!.by, at: last.replies[0]!.at } : null;
      },
    };
    try {
      await sleep(o.leadMs ?? 1000);
      await script(mark, client);
      await sleep(o.tailMs ?? 1000);
    } finally {
      await prober.stop().catch(() => undefined);
    }
    const stoppedAt = Date.now();
    const timeline = prober.snapshot();
    const rounds = await watch.stop();
    const end = Math.min(stoppedAt, timeline.endedAt ?? stoppedAt) - UNREAD_MS;
    return new Probing(cluster, o.vip, timeline, rounds, marks, prober.startedAt, end);
  }

  /** From this phase's mark to the next mark (or the end of the run). */
  phase(name: string): PhaseResult {
    const from = this.marks.get(name);
    if (from === undefined) throw new Error(`no phase "${name}" (marked: ${[...this.marks.keys()].join(', ')})`);
    const next = Math.min(...[...this.marks.values()].filter((t) => t > from), this.endedAt);
    return this.between(from, next);
  }

  /** From this phase's mark to the end of the run. */
  since(name: string): PhaseResult {
    const from = this.marks.get(name);
    if (from === undefined) throw new Error(`no phase "${name}"`);
    return this.between(from, this.endedAt);
  }

  whole(): PhaseResult {
    return this.between(this.startedAt, this.endedAt);
  }

  /** One line per phase, for logs and failure messages. */
  summary(): string {
    return [...this.marks.keys()]
      .map((p) => {
        const r = this.phase(p);
        return `${p}: outage ${r.outageMs} ms${r.recovered ? '' : ' (not recovered)'}, responders ≤ ${r.maxDistinctResponders}, kernel holders ≤ ${r.holders}, answered by ${JSON.stringify(r.answeredBy)}`;
      })
      .join('\n');
  }

  private between(from: number, to: number): PhaseResult {
    const t = this.timeline;
    const slice: ProbeTimeline = {
      ...t,
      startedAt: from,
      endedAt: to,
      udp: t.udp.filter((p) => p.sentAt >= from && p.sentAt < to),
      tcp: t.tcp.filter((p) => p.sentAt >= from && p.sentAt < to),
    };
    const arp = this.rounds.filter((r) => r.at >= from && r.at < to);
    return {
      ...analyze(slice, { faultAt: from, arp }),
      from,
      to,
      holders: this.cluster.maxHolders(this.vip, from, to),
    };
  }
}
