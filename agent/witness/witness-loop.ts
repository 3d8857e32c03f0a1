import type { ReplayGuard } from '../../core/heartbeat';
import { successionOf } from '../../core/config';
import { pinoLog } from '../../lib/log';
import { Timers } from '../../lib/timers';
import { addressOf, witnessLease, witnessPeers } from './peers';
import type { WitnessLoopOptions, WitnessStatus } from './witness-loop-options';

export type { WitnessLoopOptions, WitnessSocket, WitnessStatus } from './witness-loop-options';

/**
 * Witnessed liveness inside one agent (docs/control-plane.md): every heartbeatInterval, a signed
 * heartbeat to this node's witnesses (the k ring nodes before it); from the k nodes it watches,
 * heartbeats that say they are up. When one of those goes silent for deadAfter, or is heard again,
 * the control plane hears of it in a report at once. Datagrams are taken only from the cluster's
 * node addresses, checked before any cryptography.
 *
 * The control plane cannot reach agents, so news of its decisions travels here too: when a report's
 * answer carries a newer assignments version than this agent knew, it sends one heartbeat to every
 * node; a node that sees a version newer than its own asks the control plane (a report) once.
 */
export class WitnessLoop {
  private readonly watched: readonly string[];
  private readonly witnesses: string[];
  private readonly everyone: string[];
  private readonly fromNodes: Set<string>;
  private readonly heardAt = new Map<string, number>();
  private readonly heardSince = new Map<string, number>();
  private readonly guards = new Map<string, ReplayGuard>();
  private readonly refused = new Map<string, number>();
  private readonly timers: Timers;
  private known: number | undefined;
  private answeredAt = 0;
  private wasCut = false;
  /** When this agent last found it had been frozen (0: never). */
  private stalledAt = 0;
  private asked = 0;
  private startedAt = 0;
  private lastRan = 0;
  private stalls = 0;
  private lastShape = '';
  private stopped = false;
  private cancelBeat: (() => void) | undefined;

  constructor(private readonly o: WitnessLoopOptions) {
    const peers = witnessPeers(o.config, o.node.id);
    this.watched = peers.watched;
    this.witnesses = peers.witnesses;
    this.everyone = peers.everyone;
    this.fromNodes = new Set(
      o.config.nodes.flatMap((n) => [...n.addresses, ...(n.aws?.privateIp ? [n.aws.privateIp] : [])]),
    );
    this.timers = new Timers(o.clock, pinoLog(o.logger));
    // Before start() too, a node never heard is unknown, not silent since 1970.
    this.startedAt = o.clock.now();
    this.lastRan = this.startedAt;
  }

  /** The peers this node sends its heartbeats to (its witnesses), as host:port. */
  targets(): string[] {
    return this.witnesses;
  }

  start(): void {
    this.startedAt = this.o.clock.now();
    this.lastRan = this.startedAt;
    this.o.socket.onDatagram((d, from) => this.receive(d, from));
    this.askWhenTimeDecides(this.startedAt);
    this.beat();
  }

  stop(): void {
    this.stopped = true;
    this.cancelBeat?.();
    this.timers.close();
  }

  /** What this node sees of the nodes it watches, for the next report. */
  observations(): Record<string, { heard: boolean; forMs: number }> {
    const now = this.o.clock.now();
    const out: Record<string, { heard: boolean; forMs: number }> = {};
    for (const x of this.watched) {
      const state = this.stateOf(x, now);
      if (state === 'unknown') continue;
      const since = state === 'heard' ? this.heardSince.get(x)! : (this.heardAt.get(x) ?? this.startedAt);
      out[x] = { heard: state === 'heard', forMs: Math.max(0, now - since) };
    }
    return out;
  }

  /** The assignments version this agent last learned from the control plane. */
  version(): number {
    return this.known ?? 0;
  }

  /**
   * Cut off: a majority of the nodes this one watches (two at least) unheard for the lease
   * (deadAfter − 1.5 intervals), and no answer from the control plane since. Then this node is most
   * likely the isolated one: its witnesses will find it silent at deadAfter and its VIPs will move,
   * and it cannot hear of that. Addresses only the host carries (onControlLoss: release) must be let
   * go before then, as a peer-mode minority does (docs/peer-mode.md, rule 2). Two nodes (one
   * watched) never count as cut off: which of them is gone is the control plane's call.
   */
  cutOff(now = this.o.clock.now()): boolean {
    if (this.answeredAt < this.stalledAt) return true;
    if (this.watched.length < 2) return false;
    const lease = this.lease();
    let gone = 0;
    let since = -Infinity;
    for (const x of this.watched) {
      const at =
        this.heardAt.get(x) ?? (now - this.startedAt > this.o.config.timers.deadAfter ? this.startedAt : undefined);
      if (at === undefined || now - at < lease) continue;
      gone++;
      since = Math.max(since, at + lease);
    }
    return gone * 2 > this.watched.length && this.answeredAt < since;
  }

  /** An answer from the control plane: a newer version than we knew means a decision the others may not have heard of. */
  learned(version: number | undefined): void {
    this.answeredAt = this.o.clock.now();
    if (version === undefined) return;
    const before = this.known;
    this.known = Math.max(before ?? version, version);
    if (before !== undefined && version > before)
      this.o.socket.sendTo(this.everyone, this.o.builder.build(false, 'witness').envelope);
  }

  receive(datagram: Buffer, from: string): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    this.noticeStall(now);
    if (!this.fromNodes.has(addressOf(from))) return this.count('not-a-node');
    const verdict = this.o.verifier.verify(datagram, now, (node) => this.guards.get(node));
    if (!verdict.ok) return this.count(verdict.reason);
    const hb = verdict.heartbeat;
    if (hb.report) return this.count('wrong-channel');
    if (hb.node === this.o.node.id) return;
    this.guards.set(hb.node, verdict.guard);
    if (this.watched.includes(hb.node)) {
      const news = this.stateOf(hb.node, now) !== 'heard';
      this.heardAt.set(hb.node, now);
      if (news) {
        this.heardSince.set(hb.node, now);
        this.evaluate();
      }
    }
    if (hb.version > this.version() && hb.version > this.asked) {
      this.asked = hb.version;
      // Every node hears of a new version at about the same moment: spread their questions.
      const jitter = Math.floor((this.o.random ?? Math.random)() * this.o.config.timers.heartbeatInterval);
      this.timers.at('ask', now + jitter, async () => this.o.report());
    }
  }

  status(): WitnessStatus {
    const now = this.o.clock.now();
    return {
      watching: this.watched.map((node) => {
        const s = this.stateOf(node, now);
        const at = this.heardAt.get(node);
        return {
          node,
          heard: s === 'unknown' ? null : s === 'heard',
          lastHeardMsAgo: at === undefined ? null : now - at,
        };
      }),
      witnesses: [...this.witnesses],
      version: this.known ?? null,
      refused: Object.fromEntries(this.refused),
      stalls: this.stalls,
    };
  }

  /**
   * Every interval: the heartbeat to the witnesses, and a look at the watched nodes — who went
   * silent (reported at once) and whether this node is cut off (its lease is deadAfter − 1.5
   * intervals, so looking once an interval still lets go before the witnesses' deadAfter). One
   * wake-up for all of it: timers per node and per deadline woke the agent ten more times a second.
   */
  private beat(): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    this.noticeStall(now);
    void this.o.socket.send(this.o.builder.build(false, 'witness').envelope, {
      timeoutMs: this.o.config.timers.heartbeatInterval,
    });
    this.evaluate();
    const cut = this.cutOff(now);
    if (cut && !this.wasCut) {
      this.o.logger.warn(
        { watching: this.watched },
        'cut off: most watched nodes unheard for the lease and no answer since; letting go of what only this host carries',
      );
      this.o.onCutOff?.();
    }
    this.wasCut = cut;
    this.cancelBeat = this.o.clock.setTimer(this.o.config.timers.heartbeatInterval, () => this.beat());
  }

  private lease(): number {
    return witnessLease(this.o.config);
  }

  /**
   * Some decisions are made by time passing, not by news: a node of a VIP's order of succession back
   * for preemptDelay takes it up the order, a newcomer may get its share once the group has been quiet for minHold.
   * No report starts the tick that makes them, so nobody would hear of them before a keepalive:
   * this node asks just after each point, once per start.
   */
  private askWhenTimeDecides(from: number): void {
    const { preemptDelay, minHold, heartbeatInterval } = this.o.config.timers;
    // Any node in a VIP's order of succession may be the one it moves up to, not only the first.
    const inLine = this.o.config.vips.some((v) => v.preempt !== false && successionOf(v).includes(this.o.node.id));
    if (inLine) this.timers.at('preempt', from + preemptDelay + 2 * heartbeatInterval, async () => this.o.report());
    this.timers.at('min-hold', from + minHold + 2 * heartbeatInterval, async () => this.o.report());
  }

  /** Reports when the set of heard and silent neighbours changes. */
  private evaluate(): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const shape = this.watched.map((x) => `${x}=${this.stateOf(x, now)}`).join(',');
    if (shape === this.lastShape) return;
    for (const x of this.watched) this.o.metrics?.heard(x, this.stateOf(x, now) === 'heard');
    const first = this.lastShape === '';
    this.lastShape = shape;
    if (!first || shape.includes('=silent')) {
      this.o.logger.info({ watching: shape }, 'witness view changed: reporting');
      this.o.report();
    }
  }

  private stateOf(x: string, now: number): 'heard' | 'silent' | 'unknown' {
    const at = this.heardAt.get(x);
    if (at !== undefined && now - at <= this.o.config.timers.deadAfter) return 'heard';
    return at === undefined && now - this.startedAt <= this.o.config.timers.deadAfter ? 'unknown' : 'silent';
  }

  /**
   * A gap longer than deadAfter since this loop last ran means this agent was frozen: its
   * neighbours' silence is its own, so it forgets what it heard and starts over with the grace of
   * a fresh start instead of reporting them all silent.
   */
  private noticeStall(now: number): void {
    const gap = now - this.lastRan;
    this.lastRan = now;
    if (gap <= this.o.config.timers.deadAfter) return;
    this.stalls++;
    this.o.logger.warn(
      { gapMs: gap },
      `this agent was frozen for ${gap} ms: forgetting what it heard of its neighbours`,
    );
    this.heardAt.clear();
    this.heardSince.clear();
    this.startedAt = now;
    // What it holds may have moved meanwhile: it counts as cut off until the control plane answers.
    this.stalledAt = now;
    this.askWhenTimeDecides(now);
    this.o.report();
    this.o.onCutOff?.();
  }

  private count(reason: string): void {
    this.o.metrics?.refused(reason);
    const n = (this.refused.get(reason) ?? 0) + 1;
    this.refused.set(reason, n);
    if (n === 1) this.o.logger.warn({ reason }, `refused a witness datagram: ${reason}`);
  }
}
