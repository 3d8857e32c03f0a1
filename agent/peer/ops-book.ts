import type { Logger } from 'pino';
import type { Config } from '../../core/config';
import type { NodeView } from '../../core/decide';
import type { PeerDecision } from '../../core/peer';
import type { Signer } from '../../core/heartbeat';
import {
  highestStamp,
  mergeOps,
  NO_PEER_OPS,
  opKey,
  opProblem,
  opsDigest,
  opsView,
  PEER_OP_CAP,
  signOp,
  type OpVerifier,
  type PeerOp,
  type PeerOpsView,
} from '../../core/peer/ops';
import type { ControlEvent } from '../../core/ports';
import { peerEventId, PeerEventLog } from './ops-events';
import { hasSettled } from './settled';

/** What an operator asks of the local agent (the CLI's drain, undrain, move and unpin). */
export interface OpRequest {
  kind: 'drain' | 'pin';
  target: string;
  on: boolean;
  node?: string;
  reason?: string;
  by?: string;
}

/** A refused request, with the HTTP status that says what kind (as the control plane's OperatorError). */
export class PeerOpError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'PeerOpError';
  }
}

export interface PeerOpsBookOptions {
  config: Config;
  self: string;
  signer: Signer;
  verify: OpVerifier;
  /** Wall clock, for events. */
  now: () => number;
  logger: Logger;
  /** What this node sees now: the loop's views (draining as the operations say) and whether it has settled. */
  cluster: () => { views: readonly NodeView[]; settled: boolean; holder: (vip: string) => string | null };
  /** The operations changed: decide again and tell the peers now. */
  changed: () => void;
}

/** The most a peer's carried operations are remembered for status: one entry per configured node. */
export interface CarriedOps {
  digest: string;
  drained: string[];
}

/**
 * The operations this agent carries (docs/peer-mode.md, "Operations"): those an operator issued
 * here, and those learned from peers' heartbeats, newest per key. Every heartbeat carries them all,
 * so they outlive the node that issued them and a restarted node learns them back within one
 * interval, before it has settled enough to claim anything (rule 3).
 */
export class PeerOpsBook {
  readonly log = new PeerEventLog();
  private ops = new Map<string, PeerOp>();
  private current: PeerOpsView = NO_PEER_OPS;
  private readonly carried = new Map<string, { from: readonly PeerOp[]; ops: CarriedOps }>();
  private readonly refused = new Map<string, number>();

  constructor(private readonly o: PeerOpsBookOptions) {}

  list(): PeerOp[] {
    return [...this.ops.values()];
  }

  view(): PeerOpsView {
    return this.current;
  }

  digest(): string {
    return opsDigest(this.ops.values());
  }

  refusals(): Record<string, number> {
    return Object.fromEntries(this.refused);
  }

  /** What each peer carried in its last heartbeat (its digest and drained set), for status. */
  carriedBy(): ReadonlyMap<string, CarriedOps> {
    return new Map([...this.carried].map(([node, c]) => [node, c.ops]));
  }

  /** A verified heartbeat's operations: the newer ones are applied, the refused ones change nothing. */
  merge(from: string, incoming: readonly PeerOp[] | undefined): void {
    const list = incoming ?? [];
    const last = this.carried.get(from);
    // The verifier hands back the same array while a peer's heartbeats repeat: nothing to do.
    if (last?.from === list) return;
    const own = opsView(list);
    this.carried.set(from, { from: list, ops: { digest: opsDigest(list), drained: [...own.drained].sort() } });
    if (list.length === 0) return;
    const r = mergeOps(this.o.config, this.ops, list, this.o.verify);
    for (const x of r.refused) this.refuse(x.reason, `from ${from}: ${x.message}`);
    if (r.applied.length === 0) return;
    const before = this.ops;
    this.ops = r.ops;
    this.current = opsView(this.ops.values());
    for (const op of r.applied) this.record(op, before.get(opKey(op)));
    this.o.changed();
  }

  /**
   * The moves a decision starts, for the event log. A node that hears a drained owner's release
   * before (or with) the drain itself decides a claim from nobody; it is the drain's move, and is
   * recorded as the others record it: from the owner its previous decision named, reason `drain`.
   */
  decided(d: PeerDecision, previous: PeerDecision | undefined, at: number, startedAt: number): void {
    const { decision } = d;
    const settled = hasSettled(d, startedAt, at, this.o.config.timers.deadAfter);
    const was = new Map(previous?.decision.assignments.map((a) => [a.vip, a.node]) ?? []);
    this.log.moves(
      decision.moves.map((m) => {
        const from = was.get(m.vip);
        return m.from === null && from && from !== m.to && this.current.drained.has(from)
          ? { ...m, from, reason: 'drain' as const, detail: `${from} is draining` }
          : m;
      }),
      decision.assignments,
      at,
      settled,
    );
  }

  /** An operator's request through the local ops server: checked like the control plane's, signed, carried. */
  issue(req: OpRequest): { op?: PeerOp; event?: ControlEvent; wasPinned?: boolean } {
    const { config } = this.o;
    const cluster = this.o.cluster();
    const problem = opProblem(config, req);
    if (problem)
      throw new PeerOpError(
        /not in the config/.test(problem) ? 404 : problem.includes('cannot carry') ? 409 : 400,
        problem,
      );
    if (req.reason !== undefined && req.reason.length > 300)
      throw new PeerOpError(400, `a reason is at most 300 characters (got ${req.reason.length})`);
    if (!cluster.settled)
      throw new PeerOpError(
        503,
        'this agent is still learning the cluster (it has not heard its peers for deadAfter); try again',
      );
    const previous = this.ops.get(opKey(req));
    if (req.kind === 'pin' && !req.on && !(previous?.on ?? false)) return { wasPinned: false };
    if (req.kind === 'pin' && req.on) this.checkTarget(req.node!, req.target, cluster.views);
    const t = highestStamp(this.ops.values()) + 1;
    if (t > PEER_OP_CAP) throw new PeerOpError(409, `operation stamps have reached their cap (${PEER_OP_CAP})`);
    const unsigned: Omit<PeerOp, 'sig'> = {
      kind: req.kind,
      target: req.target,
      on: req.on,
      ...(req.node !== undefined && req.on ? { node: req.node } : {}),
      ...(req.reason ? { reason: req.reason } : {}),
      ...(req.by ? { by: req.by.slice(0, 64) } : {}),
      at: this.o.now(),
      t,
      issuer: this.o.self,
    };
    const op = signOp(config.cluster, unsigned, this.o.signer);
    this.ops = new Map(this.ops).set(opKey(op), op);
    this.current = opsView(this.ops.values());
    const event = this.record(op, previous);
    this.o.logger.info({ op: { ...op, sig: undefined } }, `operation issued here: ${event.detail}`);
    this.o.changed();
    return { op, event, ...(req.kind === 'pin' && !req.on ? { wasPinned: true } : {}) };
  }

  /** As the control plane's manual move: the node must be alive, not draining, and pass the VIP's checks. */
  private checkTarget(node: string, vipName: string, views: readonly NodeView[]): void {
    const view = views.find((v) => v.id === node);
    const now = this.o.now();
    const alive =
      !!view && view.lastSeen !== null && now - view.lastSeen <= this.o.config.timers.deadAfter && !view.leaving;
    if (!alive) throw new PeerOpError(409, `node ${node} is not alive; the VIP would be moved straight back`);
    if (view.draining || this.current.drained.has(node)) throw new PeerOpError(409, `node ${node} is draining`);
    const vip = this.o.config.vips.find((v) => v.name === vipName)!;
    const failing = vip.checks.filter((c) => !view.checks[c]?.ok);
    if (failing.length > 0)
      throw new PeerOpError(409, `node ${node} fails ${failing.join(', ')}, which ${vipName} needs`);
  }

  /** The event an operation makes, in the control plane's words (control/operator.ts). */
  private record(op: PeerOp, previous: PeerOp | undefined): ControlEvent {
    const by = op.by ? ` by ${op.by}` : '';
    const id = peerEventId(op.at, `${op.kind}${op.on ? '' : '-off'}#${op.target}@${op.t}`);
    let event: ControlEvent;
    if (op.kind === 'drain')
      event = {
        id,
        at: op.at,
        kind: op.on ? 'drain' : 'undrain',
        detail: `${op.target} ${op.on ? 'drained' : 'undrained'}${by}`,
      };
    else if (op.on) {
      const from = this.o.cluster().holder(op.target);
      event = {
        id,
        at: op.at,
        kind: 'move',
        vip: op.target,
        from,
        to: op.node ?? null,
        reason: 'manual',
        detail: `${op.reason ?? ''}${op.by ? ` (by ${op.by})` : ''}${from === op.node ? '; already there, now pinned' : ''}`,
      };
    } else
      event = {
        id,
        at: op.at,
        kind: 'note',
        vip: op.target,
        to: previous?.node ?? null,
        detail: `${op.target} unpinned on ${previous?.node ?? 'no node'}${by} (pinned for: ${previous?.reason ?? 'unknown'}); preemption and rebalancing apply again`,
      };
    this.log.add(event);
    return event;
  }

  /** Counted by reason, logged the first time only: a flood must not become a flood of log lines. */
  private refuse(reason: string, message: string): void {
    const count = (this.refused.get(reason) ?? 0) + 1;
    this.refused.set(reason, count);
    if (count === 1) this.o.logger.warn({ reason, message }, `refused a peer operation: ${reason}`);
  }
}
