import { formatDuration, humanDuration } from '../duration';
import type { Model } from './model';
import type { NodeView, Reason } from './types';

/**
 * The cluster as it stands at `now`: which nodes are alive, draining, healthy for which checks.
 * Candidate lists are computed once per eligibility class and cached for the decision.
 */
export class Situation {
  readonly alive: boolean[];
  readonly draining: boolean[];
  readonly views: Array<NodeView | undefined>;
  private readonly candidateCache = new Map<number, { list: number[]; mask: Uint8Array }>();

  constructor(
    readonly model: Model,
    views: readonly NodeView[],
    readonly now: number,
  ) {
    const n = model.nodes.length;
    this.views = new Array<NodeView | undefined>(n);
    for (const v of views) {
      const i = model.nodeIndex.get(v.id);
      if (i !== undefined) this.views[i] = v;
    }
    const deadAfter = model.config.timers.deadAfter;
    this.alive = Array.from({ length: n }, (_, i) => {
      const v = this.views[i];
      return !!v && v.lastSeen !== null && now - v.lastSeen <= deadAfter && !v.leaving;
    });
    this.draining = Array.from({ length: n }, (_, i) => this.views[i]?.draining ?? false);
  }

  get aliveCount(): number {
    return this.alive.filter(Boolean).length;
  }

  /** Whether the node passes every check of the class right now. */
  passes(node: number, cls: number): boolean {
    const checks = this.views[node]?.checks;
    if (!checks) return false;
    for (const c of this.model.classes[cls]!.checks) if (!checks[c]?.ok) return false;
    return true;
  }

  /** Nodes that may take a VIP of this class now: alive, healthy, not draining, eligible. Ascending. */
  candidates(cls: number): number[] {
    return this.entry(cls).list;
  }

  isCandidate(node: number, cls: number): boolean {
    return node >= 0 && this.entry(cls).mask[node] === 1;
  }

  private entry(cls: number): { list: number[]; mask: Uint8Array } {
    let e = this.candidateCache.get(cls);
    if (!e) {
      const list = this.model.classes[cls]!.staticNodes.filter(
        (n) => this.alive[n] && !this.draining[n] && this.passes(n, cls),
      );
      const mask = new Uint8Array(this.model.nodes.length);
      for (const n of list) mask[n] = 1;
      e = { list, mask };
      this.candidateCache.set(cls, e);
    }
    return e;
  }

  /** Since when the node has been alive and passing every check of the class (for preemptDelay). */
  healthySince(node: number, cls: number): number {
    const v = this.views[node];
    let since = v?.aliveSince ?? this.now;
    for (const c of this.model.classes[cls]!.checks) since = Math.max(since, v?.checks[c]?.since ?? this.now);
    return since;
  }

  /** Why a node cannot hold a VIP of this class: the reason a forced move gives. */
  whyNot(node: number, cls: number): Reason {
    const id = this.model.nodes[node]!.id;
    const v = this.views[node];
    if (!this.model.classes[cls]!.staticNodes.includes(node))
      return { code: 'owner-ineligible', detail: `${id} is not eligible for this VIP` };
    if (v?.leaving) return { code: 'owner-leaving', detail: `${id} said it is leaving` };
    if (!this.alive[node]) {
      const silent =
        v?.lastSeen == null ? 'never heard from' : `no heartbeat for ${humanDuration(this.now - v.lastSeen)}`;
      return {
        code: 'owner-dead',
        detail: `${id}: ${silent} (deadAfter ${formatDuration(this.model.config.timers.deadAfter)})`,
      };
    }
    const failing = this.model.classes[cls]!.checks.filter((c) => !v?.checks[c]?.ok);
    if (failing.length > 0) {
      const details = failing.map((c) => {
        const s = v?.checks[c];
        return s ? `${c} failing${s.detail ? ` (${s.detail})` : ''}` : `${c} not reported`;
      });
      return { code: 'owner-unhealthy', detail: `${id}: ${details.join(', ')}` };
    }
    if (this.draining[node]) return { code: 'drain', detail: `${id} is draining` };
    return { code: 'stable', detail: '' };
  }

  /** One line per eligible node saying why none can take the VIP. */
  whyNone(cls: number): string {
    const nodes = this.model.classes[cls]!.staticNodes;
    if (nodes.length === 0) return 'no node can ever carry it (eligibility, identity or subnet)';
    return nodes.map((n) => this.whyNot(n, cls).detail).join('; ');
  }
}
