import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config, NodeSpec } from '../../core/config';
import type { HeartbeatVerifier } from '../../core/heartbeat';
import type { PeerDecision } from '../../core/peer';
import type { CheckRunner } from '../checks';
import type { HeartbeatBuilder } from '../heartbeat';
import type { Reconciler } from '../reconcile';
import type { PeerOpsBook } from './ops-book';
import type { PeerEntry } from './peer-entry';
import type { SourceStats, UdpPeers } from './udp-peers';

/** What a PeerLoop is built from and what it reports (peer-loop.ts). */
export interface PeerLoopOptions {
  config: Config;
  node: NodeSpec;
  clock: Clock;
  verifier: HeartbeatVerifier;
  transport: Pick<UdpPeers, 'onDatagram' | 'send'> & Partial<Pick<UdpPeers, 'stats'>>;
  /** The agent's parts this loop reads and drives. */
  reconciler: Reconciler;
  checks: CheckRunner;
  builder: HeartbeatBuilder;
  configDigest: string;
  logger: Logger;
  /**
   * Told what this node is about to own, before the reconciler may bind any of it: the fence must
   * know an address before it can appear on the host, or an agent killed or frozen right after
   * binding would leave it there for good (found by the LAN lab: SIGSTOP just after a bind).
   */
  owning?: (vips: readonly string[]) => void;
  /** Told every decision (the agent's metrics: quorum and diagnoses). */
  decided?: (d: PeerDecision) => void;
  /** The operators' drains and pins this node carries and applies (agent/peer/ops-book.ts). */
  ops?: PeerOpsBook;
}

export interface PeerStatus {
  quorum: PeerDecision['quorum'] | null;
  claiming: string[];
  waiting: PeerDecision['waiting'];
  diagnostics: string[];
  peers: PeerEntry[];
  refused: Record<string, number>;
  /** Times this agent found it had been frozen longer than the quorum lease and started over. */
  stalls: number;
  /** Per peer socket: datagrams taken, dropped over the rate, unreachable (a flood shows here). */
  sources: SourceStats[];
}
