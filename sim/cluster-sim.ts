import type { Config } from '../core/config/model';
import { decide, type Assignment, type Decision, type Move, type NodeView } from '../core/decide';
import { foldHeartbeat } from '../core/node-view';

interface SimNode {
  up: boolean;
  boot: number;
  checks: Record<string, boolean>;
  leaving: boolean;
  digest?: string;
}

/**
 * A whole cluster in memory, on a virtual clock: nodes heartbeat every interval while up, and a
 * decider folds their heartbeats and runs decide() after each round, like the control plane does.
 * Used by scenario and property tests and by the seed demo; no I/O, no real time.
 */
export class ClusterSim {
  now: number;
  assignments: Assignment[] = [];
  readonly views = new Map<string, NodeView>();
  readonly history: Array<Move & { at: number }> = [];
  lastDecision?: Decision;
  private readonly nodes = new Map<string, SimNode>();

  constructor(
    readonly config: Config,
    opts: { start?: number; up?: readonly string[]; digest?: string } = {},
  ) {
    this.now = opts.start ?? 1_000_000;
    const allChecks = Object.fromEntries(Object.keys(config.checks).map((c) => [c, true]));
    for (const n of config.nodes) {
      const up = opts.up ? opts.up.includes(n.id) : true;
      this.nodes.set(n.id, {
        up,
        boot: 0,
        checks: { ...allChecks },
        leaving: false,
        ...(opts.digest ? { digest: opts.digest } : {}),
      });
    }
  }

  private node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id} in the config`);
    return n;
  }

  /** The host dies: no more heartbeats. */
  kill(...ids: string[]): this {
    for (const id of ids) this.node(id).up = false;
    return this;
  }

  /** The host comes back, freshly booted, with all checks passing. */
  revive(...ids: string[]): this {
    for (const id of ids) Object.assign(this.node(id), { up: true, leaving: false, boot: this.node(id).boot + 1 });
    return this;
  }

  setCheck(id: string, check: string, ok: boolean): this {
    this.node(id).checks[check] = ok;
    return this;
  }

  /** Graceful stop: one last heartbeat that says leaving, then silence. */
  leave(id: string): this {
    this.node(id).leaving = true;
    return this;
  }

  drain(id: string, on = true): this {
    const v = this.views.get(id);
    if (v) this.views.set(id, { ...v, draining: on });
    return this;
  }

  setDigest(id: string, digest: string): this {
    this.node(id).digest = digest;
    return this;
  }

  /** One heartbeat round at the current time, then a decision. */
  round(): Decision {
    for (const [id, n] of this.nodes) {
      if (!n.up) continue;
      const held = this.assignments.filter((a) => a.node === id).map((a) => a.vip);
      const checks = Object.fromEntries(Object.entries(n.checks).map(([c, ok]) => [c, { ok }]));
      const prev = this.views.get(id);
      const view = foldHeartbeat(
        prev,
        id,
        {
          bootId: `${id}-${n.boot}`,
          checks,
          held,
          leaving: n.leaving,
          ...(n.digest ? { configDigest: n.digest } : {}),
        },
        this.now,
        this.config.timers.deadAfter,
      );
      this.views.set(id, view);
      if (n.leaving) n.up = false;
    }
    return this.decideNow();
  }

  decideNow(): Decision {
    const d = decide({
      config: this.config,
      nodes: [...this.views.values()],
      assignments: this.assignments,
      now: this.now,
    });
    this.assignments = d.assignments;
    for (const m of d.moves) this.history.push({ ...m, at: this.now });
    this.lastDecision = d;
    return d;
  }

  /** Runs heartbeat rounds for `ms` of virtual time; returns the moves made. */
  run(ms: number): Array<Move & { at: number }> {
    const step = this.config.timers.heartbeatInterval;
    const from = this.history.length;
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      this.round();
    }
    return this.history.slice(from);
  }

  owner(vip: string): string | null {
    return this.assignments.find((a) => a.vip === vip)?.node ?? null;
  }

  owners(): Record<string, string | null> {
    return Object.fromEntries(this.assignments.map((a) => [a.vip, a.node]));
  }

  /** VIP count per node, for every configured node (0 included). */
  loads(): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(this.config.nodes.map((n) => [n.id, 0]));
    for (const a of this.assignments) if (a.node) out[a.node]! += 1;
    return out;
  }
}
