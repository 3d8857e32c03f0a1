import type { Logger } from 'pino';
import type { Clock } from '../core/clock';
import type { Config, NodeSpec } from '../core/config';
import type { Signer } from '../core/heartbeat';
import type { PeerOp } from '../core/peer/ops-wire';
import type { HostNet } from '../core/ports';
import type { CheckState, Probe } from './checks';
import type { ControlStatus, HeartbeatTransport } from './heartbeat';
import type { HookExecutor, HookStatus } from './hooks';
import type { AgentMetrics } from './ops';
import type { BindGate, ReconcilerEvents, VipStatus } from './reconcile';

/** What an Agent is built from, what it reports and how its stop went (agent.ts). */
export interface AgentOptions {
  config: Config;
  node: NodeSpec;
  signer: Signer;
  hostNet: HostNet;
  /** "linux" or "recording (not root)", for status. */
  hostNetKind: string;
  transport: HeartbeatTransport;
  clock: Clock;
  logger?: Logger;
  gate?: BindGate;
  metrics?: AgentMetrics;
  probe?: Probe;
  hookExec?: HookExecutor;
  random?: () => number;
  bootId?: string;
  /** Peer mode: the open claims to announce in every heartbeat (see core/peer.ts). */
  claiming?: () => string[];
  /** Peer mode: the operators' drains and pins to carry in every heartbeat (agent/peer/ops-book.ts). */
  peerOps?: () => PeerOp[];
  /** Told of every bind, unbind and failure, besides the metrics (peer mode sends a heartbeat at once). */
  reconcilerEvents?: ReconcilerEvents;
  heartbeatTimeoutMs?: number;
  maxBackoffMs?: number;
  /** Witnessed liveness: report news and a keepalive to the control plane instead of beating every interval. */
  reports?: ReportHooks;
}

/** What a witnessed agent adds to its reports, and hears back from them (agent/witness). */
export interface ReportHooks {
  keepaliveMs: number;
  /** How long the control plane may be silent before onControlLoss applies. */
  controlLossAfterMs: number;
  watch(): Record<string, { heard: boolean; forMs: number }>;
  version(): number;
  learned(version: number | undefined): void;
  /** This host's own evidence that it is cut off: what only it carries is let go at once. */
  cutOff(): boolean;
  /** Told what this node is about to own, before the reconciler may bind it (the fence must know first). */
  owning(vips: readonly string[]): void;
}

export interface AgentStatus {
  cluster: string;
  node: string;
  bootId: string;
  configDigest: string;
  hostNet: string;
  startedAt: number;
  controlPlane: ControlStatus & { lost: boolean; deadAfterMs: number };
  held: Array<{ vip: string; epoch: number | null }>;
  vips: VipStatus[];
  checks: Record<string, CheckState>;
  /** Hook runs and failures since start, the latest failures with their reasons (agent/hooks). */
  hooks: HookStatus;
  process: {
    pid: number;
    rssBytes: number;
    heapUsedBytes: number;
    cpuUserMicros: number;
    cpuSystemMicros: number;
    uptimeSeconds: number;
  };
}

export interface StopReport {
  /** False when a step did not finish within the deadline. */
  ok: boolean;
  leavingDelivered: boolean;
  /** The step that was still running when the deadline came. */
  stuckIn?: string;
  ms: number;
}
