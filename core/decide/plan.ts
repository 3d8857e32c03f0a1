import { rank, type Model } from './model';
import type { Situation } from './situation';
import type { Assignment, Diagnostic, Reason } from './types';

/** Shared by every VIP that stays put (most of them), so a decision allocates little. */
export const STABLE: Reason = Object.freeze({ code: 'stable', detail: '' });

/**
 * The decision being built: the next owner of every VIP, why, and the load of every node.
 * Phases (hold, place, preempt, rebalance) read and update it in turn.
 */
export class Plan {
  /** Current owner per VIP (node index, -1 for none or a node that is no longer configured). */
  readonly current: Int32Array;
  readonly next: Int32Array;
  readonly reasons: Reason[];
  readonly load: Int32Array;
  readonly diagnostics: Diagnostic[] = [];
  readonly assignments: Array<Assignment | undefined>;

  constructor(
    readonly model: Model,
    readonly situation: Situation,
    assignments: readonly Assignment[],
  ) {
    const count = model.vips.length;
    this.assignments = new Array<Assignment | undefined>(count);
    for (const a of assignments) {
      const i = model.vipIndex.get(a.vip);
      if (i !== undefined) this.assignments[i] = a;
    }
    this.current = Int32Array.from(this.assignments, (a) =>
      a?.node == null ? -1 : (model.nodeIndex.get(a.node) ?? -1),
    );
    this.next = new Int32Array(count).fill(-1);
    this.reasons = new Array<Reason>(count).fill(STABLE);
    this.load = new Int32Array(model.nodes.length);
  }

  get now(): number {
    return this.situation.now;
  }

  /** Sets the next owner (node index or -1), keeping loads right. */
  assign(vip: number, node: number, reason: Reason): void {
    const prev = this.next[vip]!;
    if (prev >= 0) this.load[prev]!--;
    this.next[vip] = node;
    if (node >= 0) this.load[node]!++;
    this.reasons[vip] = reason;
  }

  /** The candidate with the least load; ties go to the VIP's own rendezvous order, so VIPs spread. */
  leastLoaded(vip: number, candidates: readonly number[], exclude = -1): number {
    let best = -1;
    let bestLoad = Infinity;
    let bestRank = -1;
    const vh = this.model.vipHash[vip]!;
    for (const n of candidates) {
      if (n === exclude) continue;
      const l = this.load[n]!;
      if (l > bestLoad) continue;
      const r = rank(vh, this.model.nodeHash[n]!);
      if (l < bestLoad || r > bestRank) {
        best = n;
        bestLoad = l;
        bestRank = r;
      }
    }
    return best;
  }

  /** Owner changes of this VIP inside the flap-budget window, before this decision. */
  pastMoves(vip: number): number {
    const { window } = this.model.config.timers.flapBudget;
    return this.assignments[vip]?.moves.filter((t) => t > this.now - window).length ?? 0;
  }

  /** Whether one more non-forced move of this VIP fits in its flap budget. */
  withinBudget(vip: number): boolean {
    return this.pastMoves(vip) < this.model.config.timers.flapBudget.moves;
  }

  pinned(vip: number): boolean {
    return this.assignments[vip]?.pinned !== undefined;
  }

  nodeId(node: number): string | null {
    return node < 0 ? null : this.model.nodes[node]!.id;
  }

  changedAny(): boolean {
    for (let i = 0; i < this.next.length; i++) if (this.next[i] !== this.current[i]) return true;
    return false;
  }
}
