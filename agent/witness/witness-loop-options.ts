import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config, NodeSpec } from '../../core/config';
import type { HeartbeatVerifier } from '../../core/heartbeat';
import type { HeartbeatBuilder } from '../heartbeat';

/** What a WitnessLoop is built from and what it reports (witness-loop.ts). */
/** What the loop needs of its UDP socket (UdpPeers): its fixed targets are this node's witnesses. */
export interface WitnessSocket {
  onDatagram(handler: (datagram: Buffer, from: string) => void): void;
  send(envelope: string, options: { timeoutMs?: number }): Promise<unknown>;
  sendTo(peers: readonly string[], envelope: string): void;
}

export interface WitnessLoopOptions {
  config: Config;
  node: NodeSpec;
  clock: Clock;
  verifier: HeartbeatVerifier;
  socket: WitnessSocket;
  builder: HeartbeatBuilder;
  logger: Logger;
  /** Something the control plane must hear changed: send a report now. */
  report: () => void;
  /** This agent has just found itself cut off (see cutOff): the reconciler should look now. */
  onCutOff?: () => void;
  /** Told of every refused datagram and every change of a watched node (Prometheus). */
  metrics?: { refused(reason: string): void; heard(node: string, heard: boolean): void };
  random?: () => number;
}

export interface WitnessStatus {
  watching: Array<{ node: string; heard: boolean | null; lastHeardMsAgo: number | null }>;
  witnesses: string[];
  version: number | null;
  refused: Record<string, number>;
  stalls: number;
}
