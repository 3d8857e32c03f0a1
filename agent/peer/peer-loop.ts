import type { NodeView } from '../../core/decide';
import type { ReplayGuard } from '../../core/heartbeat';
import { foldHeartbeat } from '../../core/node-view';
import {
  admitEpochs,
  decideAsPeer,
  EMPTY_PEER_MEMORY,
  PEER_EPOCH_CAP,
  quorumLease,
  type PeerDecision,
  type PeerMemory,
} from '../../core/peer';
import { pinoLog } from '../../lib/log';
import { Timers } from '../../lib/timers';
import { addressOf, peerSources } from './peer-sources';
import { peerEntries } from './peer-entry';
import { hasSettled } from './settled';
import type { PeerLoopOptions, PeerStatus } from './peer-loop-options';

export type { PeerLoopOptions, PeerStatus } from './peer-loop-options';

/**
 * Peer mode inside one agent (docs/peer-mode.md): verify what peers send, fold it into views,
 * run decideAsPeer on every datagram, at every peer's quorum-lease and deadAfter expiry, when a
 * claim matures, and once an interval; give the reconciler exactly this node's VIPs; and tell the
 * peers at once (a triggered heartbeat) whenever what this node holds or claims changes.
 */
export class PeerLoop {
  private readonly views = new Map<string, NodeView>();
  private readonly guards = new Map<string, ReplayGuard>();
  private readonly refused = new Map<string, number>();
  /** The addresses datagrams are taken from: configured peers and the nodes' own addresses. */
  private readonly fromPeers: ReadonlySet<string>;
  private readonly timers: Timers;
  private memory: PeerMemory = EMPTY_PEER_MEMORY;
  private claims: string[] = [];
  private last: PeerDecision | undefined;
  private lastDiagnostics = '';
  private lastDecision = '';
  /** Highest epoch accepted per VIP in this boot (see epochFor). */
  private readonly highest = new Map<string, number>();
  private startedAt = 0;
  /** When this loop last ran (an evaluation or a datagram): a longer gap than the lease is a stall. */
  private lastRan = 0;
  private stalls = 0;
  private sendQueued = false;
  /** A quorum loss waits for one read of the sockets before it is acted on (rule 6). */
  private recheckQueued = false;
  private stopped = false;

  constructor(private readonly o: PeerLoopOptions) {
    this.timers = new Timers(o.clock, pinoLog(o.logger));
    this.fromPeers = peerSources(o.config);
  }

  start(): void {
    this.startedAt = this.o.clock.now();
    this.lastRan = this.startedAt;
    this.o.transport.onDatagram((datagram, from) => this.receive(datagram, from));
    // At least twice per quorum lease, so that a gap longer than the lease means a stall, never a
    // quiet moment (a node alone hears no datagrams between its own ticks).
    const { heartbeatInterval } = this.o.config.timers;
    this.timers.every(Math.max(10, Math.min(heartbeatInterval, Math.floor(quorumLease(this.o.config) / 2))), async () =>
      this.evaluate(),
    );
    this.evaluate();
  }

  stop(): void {
    this.stopped = true;
    this.timers.close();
  }

  /** A reload (agent/reload): decide on the new config now, and tell the peers its digest now. */
  reloaded(config: PeerLoopOptions['config'], configDigest: string): void {
    Object.assign(this.o, { config, configDigest });
    this.evaluate();
    this.sendSoon();
  }

  /** The claims to announce (the heartbeat builder reads this). */
  claiming(): string[] {
    return this.claims;
  }

  /** Something bound or released on the host: the peers hear of it now, not at the next beat. */
  hostChanged(): void {
    this.sendSoon();
  }

  /** An operator's drain or pin arrived or was issued here (agent/peer/ops-book.ts): decide now, tell the peers now. */
  opsChanged(): void {
    this.evaluate();
    this.sendSoon();
  }

  /** What this node sees now, for the operations' checks and the cluster status (agent/peer/ops-status.ts). */
  snapshot(): { views: NodeView[]; last: PeerDecision | undefined; settled: boolean } {
    const settled = hasSettled(this.last, this.startedAt, this.o.clock.now(), this.o.config.timers.deadAfter);
    return { views: [...this.views.values()], last: this.last, settled };
  }

  /** A datagram from `from` ("addr:port" as dgram reports it). */
  receive(datagram: Buffer, from: string): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    this.noticeStall(now);
    // Before any cryptography: a sender that is no peer costs a set lookup, not a signature check,
    // and a stolen key is of no use from an address the firewall and this check do not know.
    if (!this.fromPeers.has(addressOf(from)))
      return this.refuse(
        'not-a-peer',
        () => `datagram from ${JSON.stringify(from.slice(0, 64))}, which is not a configured peer`,
      );
    const verdict = this.o.verifier.verify(datagram, now, (node) => this.guards.get(node));
    // Our own datagrams looped back (multicast) are "replayed"; the rest are counted and logged once.
    if (!verdict.ok) return this.refuse(verdict.reason, () => verdict.message);
    const signed = verdict.heartbeat;
    if (signed.node === this.o.node.id) return;
    this.guards.set(signed.node, verdict.guard);
    // An absurd epoch is dropped from what this peer applied, the rest of its word still counts.
    const epochs = admitEpochs(signed.applied, (vip) => this.seenEpoch(vip));
    for (const x of epochs.ignored)
      this.refuse(
        'absurd-epoch',
        () =>
          `${signed.node} says it applied ${x.vip} at epoch ${x.epoch}, above ${x.limit} (the highest seen + ${x.limit === PEER_EPOCH_CAP ? 'cap' : 'step'}): ignored`,
      );
    const hb = epochs.ignored.length === 0 ? signed : { ...signed, applied: epochs.applied };
    this.views.set(hb.node, foldHeartbeat(this.views.get(hb.node), hb.node, hb, now, this.o.config.timers.deadAfter));
    this.o.ops?.merge(hb.node, hb.ops);
    // Decide again exactly when this peer would stop counting for quorum, and when it would be dead.
    this.timers.at(`lease:${hb.node}`, now + quorumLease(this.o.config) + 1, async () => this.evaluate());
    this.timers.at(`dead:${hb.node}`, now + this.o.config.timers.deadAfter + 1, async () => this.evaluate());
    this.evaluate();
  }

  /** `settled`: the sockets have been read since quorum looked lost (rule 6); act on what is seen. */
  evaluate(settled = false): void {
    if (this.stopped) return;
    const { config, node, clock, reconciler } = this.o;
    const now = clock.now();
    this.noticeStall(now);
    // What this node holds or has been told to hold: in peer mode the reconciler counts a bind in
    // flight as held, at the epoch it binds at (else the decision would take the epoch from a dead
    // holder's last word and move this node's epoch backwards: seen in the lab as "epoch 2 → 1").
    const mine = new Set(reconciler.held());
    const applied = reconciler.appliedEpochs();
    const checks = Object.fromEntries(
      Object.entries(this.o.checks.states()).map(([n, c]) => [
        n,
        { ok: c.ok, ...(c.detail ? { detail: c.detail } : {}) },
      ]),
    );
    const observation = {
      bootId: this.o.builder.bootId,
      checks,
      held: [...mine],
      applied,
      claiming: this.claims,
      leaving: false,
      configDigest: this.o.configDigest,
    };
    this.views.set(node.id, foldHeartbeat(this.views.get(node.id), node.id, observation, now, config.timers.deadAfter));

    const d = decideAsPeer({
      config,
      self: node.id,
      views: [...this.views.values()],
      memory: this.memory,
      now,
      startedAt: this.startedAt,
      configDigest: this.o.configDigest,
      ...(this.o.ops ? { ops: this.o.ops.view() } : {}),
    });
    // Rule 6 (docs/peer-mode.md): a lease deadline runs in the timers phase, before this turn's
    // socket reads. Heartbeats that arrived in time may be waiting there, unread: read them first
    // (one turn of the event loop, well inside the half interval rule 2 leaves), then decide.
    if (!settled && !d.quorum.ok && this.last?.quorum.ok && mine.size > 0) {
      if (!this.recheckQueued) {
        this.recheckQueued = true;
        setImmediate(() => {
          this.recheckQueued = false;
          this.evaluate(true);
        });
      }
      return;
    }
    this.memory = d.memory;
    this.o.ops?.decided(d, this.last, now, this.startedAt);
    this.last = d;
    const decided = new Map(d.decision.assignments.map((a) => [a.vip, a.epoch]));
    const unbind = new Set(d.unbind);
    const keep = new Set([...[...mine].filter((v) => !unbind.has(v)), ...d.bind]);
    this.o.owning?.([...keep]);
    reconciler.accept([...keep].map((vip) => ({ vip, epoch: this.epochFor(vip, decided.get(vip) ?? 0) })));
    // Once per distinct decision: until the reconciler's next listing, a release repeats on every datagram.
    const said = `${d.bind.join()}|${d.unbind.join()}`;
    if ((d.bind.length || d.unbind.length) && said !== this.lastDecision)
      this.o.logger.info({ bind: d.bind, unbind: d.unbind, quorum: d.quorum }, 'peer decision');
    this.lastDecision = said;
    if (d.claiming.join() !== this.claims.join()) {
      this.claims = d.claiming;
      this.sendSoon();
    }
    if (d.wakeAt !== null) this.timers.at('claim', d.wakeAt, async () => this.evaluate());
    this.logDiagnostics(d);
    this.o.decided?.(d);
  }

  status(): PeerStatus {
    const now = this.o.clock.now();
    return {
      quorum: this.last?.quorum ?? null,
      claiming: this.claims,
      waiting: this.last?.waiting ?? [],
      diagnostics: this.last?.decision.diagnostics.map((x) => `${x.kind}: ${x.message}`) ?? [],
      peers: peerEntries(this.o.config, this.o.node.id, this.views, now),
      refused: Object.fromEntries(this.refused),
      stalls: this.stalls,
      sources: this.o.transport.stats?.() ?? [],
    };
  }

  /**
   * The decision's epoch, but never below one this agent accepted before: in peer mode nobody stores
   * epochs, so when every holder of a VIP has let go, the highest epoch is forgotten and the next
   * decision starts lower — and the reconciler's fence would refuse it ("ignored assignment … epoch
   * 2 was already applied"), leaving the VIP unbound here for good (seen in the lab's ring).
   */
  private epochFor(vip: string, decided: number): number {
    const epoch = Math.min(PEER_EPOCH_CAP, Math.max(decided, this.highest.get(vip) ?? 0));
    this.highest.set(vip, epoch);
    return epoch;
  }

  /** The highest epoch this node knows for a VIP: its own, and what every peer it heard applied. */
  private seenEpoch(vip: string): number {
    let best = Math.max(this.highest.get(vip) ?? 0, this.o.reconciler.appliedEpochs()[vip] ?? 0);
    for (const v of this.views.values()) best = Math.max(best, v.applied?.[vip] ?? 0);
    return best;
  }

  /** Counted by reason, logged the first time only: a flood must not become a flood of log lines. */
  private refuse(reason: string, message: () => string): void {
    const count = (this.refused.get(reason) ?? 0) + 1;
    this.refused.set(reason, count);
    if (count === 1) this.o.logger.warn({ reason, message: message() }, `refused a peer heartbeat: ${reason}`);
  }

  /**
   * A gap longer than the quorum lease since this loop last ran means the agent was frozen
   * (SIGSTOP, a paused VM, a blocked event loop): its fence may have removed its addresses, peers
   * may have declared it dead and taken them, and datagrams queued meanwhile arrive now as if fresh.
   * Nothing it knows can be trusted, so it starts over as after a restart: it forgets its peers and
   * settles for deadAfter, holding and claiming nothing (core/peer.ts, rule 3). Found by the LAN
   * lab: a resumed agent briefly re-assigned itself the VIP from a stale queued heartbeat.
   */
  private noticeStall(now: number): void {
    const gap = now - this.lastRan;
    this.lastRan = now;
    const lease = quorumLease(this.o.config);
    if (gap <= lease) return;
    this.stalls++;
    this.o.logger.warn(
      { gapMs: gap, leaseMs: lease },
      `this agent was frozen for ${gap} ms, longer than the quorum lease (${lease} ms): starting over, holding and claiming nothing until it has heard its peers for deadAfter`,
    );
    for (const id of [...this.views.keys()]) if (id !== this.o.node.id) this.views.delete(id);
    this.memory = { ...this.memory, quorumSince: null, claims: new Map() };
    this.claims = [];
    this.startedAt = now;
  }

  /** One triggered heartbeat per burst of changes. */
  private sendSoon(): void {
    if (this.sendQueued || this.stopped) return;
    this.sendQueued = true;
    setImmediate(() => {
      this.sendQueued = false;
      if (this.stopped) return;
      const built = this.o.builder.build();
      void this.o.transport.send(built.envelope, { timeoutMs: this.o.config.timers.heartbeatInterval });
    });
  }

  private logDiagnostics(d: PeerDecision): void {
    const text = d.decision.diagnostics.map((x) => `${x.kind}: ${x.message}`).join('; ');
    if (text === this.lastDiagnostics) return;
    this.lastDiagnostics = text;
    if (text) this.o.logger.warn({ diagnostics: d.decision.diagnostics }, `peer diagnostics: ${text}`);
    else this.o.logger.info('peer diagnostics cleared');
  }
}
