import type { Config } from '../core/config/model';
import type { NodeView } from '../core/decide';
import { foldHeartbeat } from '../core/node-view';
import { decideAsPeer, EMPTY_PEER_MEMORY, type PeerMemory } from '../core/peer';

interface Agent {
  id: string;
  running: boolean;
  boot: number;
  seq: number;
  views: Map<string, NodeView>;
  memory: PeerMemory;
  held: Set<string>;
  applied: Record<string, number>;
  claiming: string[];
  checks: Record<string, boolean>;
  nextBeat: number;
  startedAt: number;
  lastSeq: Map<string, { boot: string; seq: number }>;
}

type Event = { at: number; order: number; run: () => void };

/**
 * Peer mode as a discrete-event simulation: agents beat every interval with a random phase,
 * datagrams arrive after a random LAN delay (or not at all across a cut link), and each agent runs
 * decideAsPeer on every datagram, at every peer's deadline and on its own beat, binding and
 * releasing at once. No I/O; a seeded random source; used to check the peer rules (no two holders
 * at any instant) before they meet real namespaces.
 */
export class PeerSim {
  now = 0;
  readonly agents = new Map<string, Agent>();
  /** Nodes cut off from the segment, by group: nodes in different groups cannot hear each other. */
  private readonly group = new Map<string, number>();
  private readonly queue = new EventQueue();
  private order = 0;
  /** Called with every decision that binds or releases something (for tracing a failing case). */
  onChange?: (node: string, at: number, d: ReturnType<typeof decideAsPeer>) => void;
  /** Every instant two hosts held one VIP: [time, vip, holders]. */
  readonly dualHolds: Array<[number, string, string[]]> = [];

  constructor(
    readonly config: Config,
    private readonly random: () => number,
    readonly delay: { min: number; max: number } = { min: 0.2, max: 3 },
  ) {
    for (const n of config.nodes) {
      this.agents.set(n.id, {
        id: n.id,
        running: false,
        boot: 0,
        seq: 0,
        views: new Map(),
        memory: EMPTY_PEER_MEMORY,
        held: new Set(),
        applied: {},
        claiming: [],
        checks: Object.fromEntries(Object.keys(config.checks).map((c) => [c, true])),
        nextBeat: 0,
        startedAt: 0,
        lastSeq: new Map(),
      });
      this.group.set(n.id, 0);
    }
  }

  start(id: string): void {
    const a = this.agents.get(id)!;
    Object.assign(a, {
      running: true,
      boot: a.boot + 1,
      seq: 0,
      views: new Map(),
      memory: EMPTY_PEER_MEMORY,
      held: new Set(),
      applied: {},
      claiming: [],
      startedAt: this.now,
      lastSeq: new Map(),
    });
    this.beat(a, this.now + this.random() * this.config.timers.heartbeatInterval);
  }

  /** The host dies: the agent stops and its addresses stop answering. */
  crash(id: string): void {
    const a = this.agents.get(id)!;
    a.running = false;
    a.held.clear();
  }

  /** Puts these nodes in a partition of their own; `heal()` joins everyone again. */
  partition(ids: readonly string[]): void {
    const g = Math.max(...this.group.values()) + 1;
    for (const id of ids) this.group.set(id, g);
  }

  heal(): void {
    for (const id of this.group.keys()) this.group.set(id, 0);
  }

  setCheck(id: string, check: string, ok: boolean): void {
    this.agents.get(id)!.checks[check] = ok;
  }

  /** Runs events until `until`, checking the two-holder invariant after every event. */
  runUntil(until: number): void {
    for (let guard = 0; guard < 2_000_000; guard++) {
      const e = this.queue.peek();
      if (!e || e.at > until) break;
      this.queue.pop();
      this.now = e.at;
      e.run();
      this.checkHolders();
    }
    this.now = until;
  }

  holders(vip: string): string[] {
    return [...this.agents.values()].filter((a) => a.held.has(vip)).map((a) => a.id);
  }

  private at(at: number, run: () => void): void {
    this.queue.push({ at, order: this.order++, run });
  }

  private beat(a: Agent, at: number): void {
    const boot = a.boot;
    a.nextBeat = at;
    this.at(at, () => {
      if (!a.running || a.boot !== boot) return;
      this.send(a);
      this.evaluate(a);
      this.beat(a, this.now + this.config.timers.heartbeatInterval);
    });
  }

  private send(a: Agent): void {
    a.seq += 1;
    const seq = a.seq;
    const hb = {
      bootId: `${a.id}-${a.boot}`,
      checks: Object.fromEntries(Object.entries(a.checks).map(([c, ok]) => [c, { ok }])),
      held: [...a.held],
      applied: { ...a.applied },
      claiming: [...a.claiming],
      leaving: false,
    };
    a.views.set(a.id, foldHeartbeat(a.views.get(a.id), a.id, hb, this.now, this.config.timers.deadAfter));
    for (const peer of this.agents.values()) {
      if (peer === a || this.group.get(peer.id) !== this.group.get(a.id)) continue;
      const arrive = this.now + this.delay.min + this.random() * (this.delay.max - this.delay.min);
      this.at(arrive, () => {
        if (!peer.running || this.group.get(peer.id) !== this.group.get(a.id)) return;
        // As the real verifier does: a datagram older than the last one from this boot is refused.
        const last = peer.lastSeq.get(a.id);
        if (last && last.boot === hb.bootId && last.seq >= seq) return;
        peer.lastSeq.set(a.id, { boot: hb.bootId, seq });
        peer.views.set(a.id, foldHeartbeat(peer.views.get(a.id), a.id, hb, this.now, this.config.timers.deadAfter));
        this.evaluate(peer);
        // Re-evaluate when this peer would turn dead, so failover never waits for a beat.
        this.at(this.now + this.config.timers.deadAfter + 0.5, () => peer.running && this.evaluate(peer));
      });
    }
  }

  private evaluate(a: Agent): void {
    if (!a.running) return;
    const self = a.views.get(a.id);
    if (!self) return;
    a.views.set(a.id, {
      ...self,
      lastSeen: this.now,
      held: [...a.held],
      applied: { ...a.applied },
      claiming: [...a.claiming],
    });
    const d = decideAsPeer({
      config: this.config,
      self: a.id,
      views: [...a.views.values()],
      memory: a.memory,
      now: this.now,
      startedAt: a.startedAt,
    });
    a.memory = d.memory;
    let changed = d.claiming.join() !== a.claiming.join();
    a.claiming = d.claiming;
    if (d.wakeAt !== null) this.at(d.wakeAt, () => this.evaluate(a));
    for (const vip of d.unbind) changed = a.held.delete(vip) || changed;
    for (const vip of d.bind) {
      a.held.add(vip);
      a.applied[vip] = d.decision.assignments.find((x) => x.vip === vip)!.epoch;
      changed = true;
    }
    if (changed) this.onChange?.(a.id, this.now, d);
    // A change is told at once (a triggered heartbeat), so a handoff waits for no beat.
    if (changed) this.send(a);
  }

  private checkHolders(): void {
    for (const vip of this.config.vips) {
      const h = this.holders(vip.name);
      if (h.length > 1) this.dualHolds.push([this.now, vip.name, h]);
    }
  }
}

/** A binary min-heap of events by time, then by insertion order (so equal times stay FIFO). */
class EventQueue {
  private readonly heap: Event[] = [];

  peek(): Event | undefined {
    return this.heap[0];
  }

  push(e: Event): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
