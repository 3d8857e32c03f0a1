import { randomBytes } from 'node:crypto';
import { HEARTBEAT_VERSION, sealHeartbeat, type HeartbeatInput, type Signer } from '../../core/heartbeat';
import type { PeerOp } from '../../core/peer/ops-wire';
import type { HookFailure } from '../hooks';

/** What the agent knows right now; each read is a snapshot and never waits on anything. */
export interface HeartbeatSources {
  checks(): Record<string, { ok: boolean; detail?: string }>;
  held(): string[];
  applied(): Record<string, number>;
  /** Hook failures since the last heartbeat (taken: the builder owns them until delivered). */
  takeHookFailures(): HookFailure[];
  /** Peer mode: VIPs this node announces it is about to bind. */
  claiming?(): string[];
  /** Peer mode: the operators' drains and pins this node carries (sent only when there are some). */
  ops?(): PeerOp[];
  /** Witnessed liveness: what this node sees of the nodes it watches (reports only). */
  watch?(): Record<string, { heard: boolean; forMs: number }>;
  /** Witnessed liveness: the assignments version last learned from the control plane. */
  version?(): number;
}

/**
 * Who a heartbeat is for. `control`: the control plane under direct liveness, and peers in peer
 * mode. `report`: the control plane under witnessed liveness (carries what this node watches).
 * `witness`: the ring neighbours under witnessed liveness; it carries no hook failures, which
 * only the control plane records.
 */
export type HeartbeatPurpose = 'control' | 'report' | 'witness';

export interface HeartbeatBuilderOptions {
  cluster: string;
  node: string;
  configDigest: string;
  signer: Signer;
  /** Wall clock (ms since epoch), for sentAt: the receiver's replay window. */
  now: () => number;
  sources: HeartbeatSources;
  /** Random per start by default; fixed in tests. */
  bootId?: string;
}

export interface BuiltHeartbeat {
  envelope: string;
  seq: number;
  /** Carried by this heartbeat; give them back to the hook runner if it is not delivered. */
  hookFailures: HookFailure[];
  bytes: number;
}

const MAX_DETAIL = 300;

/** Builds and signs heartbeats: one boot id per start, seq +1 per heartbeat (protocol.md). */
export class HeartbeatBuilder {
  readonly bootId: string;
  private seq = 0;

  constructor(private readonly options: HeartbeatBuilderOptions) {
    this.bootId = options.bootId ?? randomBytes(12).toString('base64url');
  }

  /** A reload (agent/reload): heartbeats carry the new config's digest from the next one on. */
  reloaded(configDigest: string): void {
    this.options.configDigest = configDigest;
  }

  build(leaving = false, purpose: HeartbeatPurpose = 'control'): BuiltHeartbeat {
    if (purpose === 'witness') return this.seal(this.witnessBeat(), []);
    const { sources } = this.options;
    const hookFailures = sources.takeHookFailures();
    const checks = Object.fromEntries(
      Object.entries(sources.checks()).map(([name, c]) => [
        name,
        c.detail === undefined ? { ok: c.ok } : { ok: c.ok, detail: c.detail.slice(0, MAX_DETAIL) },
      ]),
    );
    const ops = sources.ops?.() ?? [];
    const hb: HeartbeatInput = {
      ...this.head(),
      checks,
      held: sources.held(),
      applied: sources.applied(),
      claiming: sources.claiming?.() ?? [],
      ...(ops.length > 0 ? { ops } : {}),
      leaving,
      hookFailures,
      ...(purpose === 'report'
        ? { report: true, version: sources.version?.() ?? 0, watch: sources.watch?.() ?? {} }
        : {}),
    };
    return this.seal(hb, hookFailures);
  }

  /**
   * A witness only needs to know the sender is up (and which assignments version it knows): no
   * checks, holdings or epochs, which the control plane hears in reports. Half the bytes, and
   * between availability zones every byte is billed.
   */
  private witnessBeat(): HeartbeatInput {
    return { ...this.head(), checks: {}, held: [], version: this.options.sources.version?.() ?? 0 };
  }

  /** Who sends, which boot, the next seq, and when: every heartbeat's first fields. */
  private head(): Pick<HeartbeatInput, 'v' | 'cluster' | 'node' | 'bootId' | 'seq' | 'sentAt' | 'configDigest'> {
    return {
      v: HEARTBEAT_VERSION,
      cluster: this.options.cluster,
      node: this.options.node,
      bootId: this.bootId,
      seq: ++this.seq,
      sentAt: this.options.now(),
      configDigest: this.options.configDigest,
    };
  }

  private seal(hb: HeartbeatInput, hookFailures: HookFailure[]): BuiltHeartbeat {
    const envelope = sealHeartbeat(hb, this.options.signer);
    return { envelope, seq: this.seq, hookFailures, bytes: Buffer.byteLength(envelope) };
  }
}
