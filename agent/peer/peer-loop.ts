import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config, NodeSpec } from '../../core/config';
import type { NodeView } from '../../core/decide';
import type { HeartbeatVerifier, ReplayGuard } from '../../core/heartbeat';
import { foldHeartbeat } from '../../core/node-view';
import { decideAsPeer, EMPTY_PEER_MEMORY, quorumLease, type PeerDecision, type PeerMemory } from '../../core/peer';
import { pinoLog } from '../../control/log';
import { Timers } from '../../control/timers';
import type { CheckRunner } from '../checks';
import type { HeartbeatBuilder } from '../heartbeat';
import type { Reconciler } from '../reconcile';
import type { UdpPeers } from './udp-peers';

export interface PeerLoopOptions {
  config: Config;
  node: NodeSpec;
  clock: Clock;
  verifier: HeartbeatVerifier;
  transport: UdpPeers;
  /** The agent's parts this loop reads and drives. */
  reconciler: Reconciler;
  checks: CheckRunner;
  builder: HeartbeatBuilder;
  configDigest: string;
  logger: Logger;
}

export interface PeerStatus {
  quorum: PeerDecision['quorum'] | null;
  claiming: string[];
  waiting: PeerDecision['waiting'];
  diagnostics: string[];
  peers: Array<{ node: string; lastSeenMsAgo: number | null; held: readonly string[] }>;
  refused: Record<string, number>;
}

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
  private readonly timers: Timers;
  private memory: PeerMemory = EMPTY_PEER_MEMORY;
  private claims: string[] = [];
  private last: PeerDecision | undefined;
  private lastDiagnostics = '';
  private startedAt = 0;
  private sendQueued = false;
  private stopped = false;

  constructor(private readonly o: PeerLoopOptions) {
    this.timers = new Timers(o.clock, pinoLog(o.logger));
  }

  start(): void {
    this.startedAt = this.o.clock.now();
    this.o.transport.onDatagram((datagram) => this.receive(datagram));
    this.timers.every(this.o.config.timers.heartbeatInterval, async () => this.evaluate());
    this.evaluate();
  }

  stop(): void {
    this.stopped = true;
    this.timers.close();
  }

  /** The claims to announce (the heartbeat builder reads this). */
  claiming(): string[] {
    return this.claims;
  }

  /** Something bound or released on the host: the peers hear of it now, not at the next beat. */
  hostChanged(): void {
    this.sendSoon();
  }

  receive(datagram: Buffer): void {
    if (this.stopped) return;
    const now = this.o.clock.now();
    const verdict = this.o.verifier.verify(datagram, now, (node) => this.guards.get(node));
    if (!verdict.ok) {
      // Our own datagrams looped back (multicast) are "replayed"; the rest are counted and logged once.
      const count = (this.refused.get(verdict.reason) ?? 0) + 1;
      this.refused.set(verdict.reason, count);
      if (count === 1) this.o.logger.warn({ reason: verdict.reason, message: verdict.message }, `refused a peer heartbeat: ${verdict.reason}`);
      return;
    }
    const hb = verdict.heartbeat;
    if (hb.node === this.o.node.id) return;
    this.guards.set(hb.node, verdict.guard);
    this.views.set(hb.node, foldHeartbeat(this.views.get(hb.node), hb.node, hb, now, this.o.config.timers.deadAfter));
    // Decide again exactly when this peer would stop counting for quorum, and when it would be dead.
    this.timers.at(`lease:${hb.node}`, now + quorumLease(this.o.config) + 1, async () => this.evaluate());
    this.timers.at(`dead:${hb.node}`, now + this.o.config.timers.deadAfter + 1, async () => this.evaluate());
    this.evaluate();
  }

  evaluate(): void {
    if (this.stopped) return;
    const { config, node, clock, reconciler } = this.o;
    const now = clock.now();
    // What this node holds or has been told to hold: a bind in flight still counts as its own.
    const mine = new Set([...reconciler.held(), ...Object.keys(reconciler.ownedEpochs())]);
    const checks = Object.fromEntries(Object.entries(this.o.checks.states()).map(([n, c]) => [n, { ok: c.ok, ...(c.detail ? { detail: c.detail } : {}) }]));
    const observation = { bootId: this.o.builder.bootId, checks, held: [...mine], applied: reconciler.appliedEpochs(), claiming: this.claims, leaving: false, configDigest: this.o.configDigest };
    this.views.set(node.id, foldHeartbeat(this.views.get(node.id), node.id, observation, now, config.timers.deadAfter));

    const d = decideAsPeer({ config, self: node.id, views: [...this.views.values()], memory: this.memory, now, startedAt: this.startedAt, configDigest: this.o.configDigest });
    this.memory = d.memory;
    this.last = d;
    const epochOf = new Map(d.decision.assignments.map((a) => [a.vip, a.epoch]));
    const owned = new Set([...[...mine].filter((v) => !d.unbind.includes(v)), ...d.bind]);
    reconciler.accept([...owned].map((vip) => ({ vip, epoch: epochOf.get(vip) ?? 0 })));
    if (d.bind.length || d.unbind.length) this.o.logger.info({ bind: d.bind, unbind: d.unbind, quorum: d.quorum }, 'peer decision');
    if (d.claiming.join() !== this.claims.join()) {
      this.claims = d.claiming;
      this.sendSoon();
    }
    if (d.wakeAt !== null) this.timers.at('claim', d.wakeAt, async () => this.evaluate());
    this.logDiagnostics(d);
  }

  status(): PeerStatus {
    const now = this.o.clock.now();
    return {
      quorum: this.last?.quorum ?? null,
      claiming: this.claims,
      waiting: this.last?.waiting ?? [],
      diagnostics: this.last?.decision.diagnostics.map((x) => `${x.kind}: ${x.message}`) ?? [],
      peers: [...this.views.values()].filter((v) => v.id !== this.o.node.id).map((v) => ({ node: v.id, lastSeenMsAgo: v.lastSeen === null ? null : now - v.lastSeen, held: v.held })),
      refused: Object.fromEntries(this.refused),
    };
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
