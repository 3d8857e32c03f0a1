import type { Family } from '../ip';
import type { CheckSpec } from './checks';
import type { NodeSpec } from './nodes';
import type { ParsedConfig } from './schema';
import type { TopologyEntry } from './topology-schema';
import type { VipInput } from './vips';

/** Timers after defaults: all in milliseconds. */
export interface Timers {
  heartbeatInterval: number;
  deadAfter: number;
  preemptDelay: number;
  minHold: number;
  flapBudget: { moves: number; window: number };
  rebalanceCap: number;
  claimHoldoff: number;
}

/** A VIP after validation: its name and follow target resolved, its address parsed. */
export interface Vip extends Omit<VipInput, 'name' | 'follow' | 'onControlLoss' | 'preferred'> {
  name: string;
  /** The first node of the order of succession (what a single `preferred: n1` says). */
  preferred?: string;
  /** The rest of the order, best first, when `preferred` listed more than one node. Absent otherwise, so a single node's config digest is what it was. */
  successors?: string[];
  /** The leader's name (resolved from a name or an address). */
  follow?: string;
  onControlLoss: 'hold' | 'release';
  /** The address, when the kind has one: canonical text, family and prefix length. */
  ip?: { text: string; family: Family; prefixLength: number };
  /**
   * A `lan` VIP under a declared topology: the nodes with a segment holding its address, each with
   * that segment's interface there. A node absent cannot carry it. Absent without a topology.
   */
  interfaceByNode?: Record<string, string>;
}

/** Witnessed liveness after defaults: the keepalive depends on the mode (see normalize.ts). */
export interface WitnessSettings {
  port: number;
  watchers: number;
  keepalive: number;
}

type WithWitness<T> = Omit<T, 'witness'> & { witness: WitnessSettings };

export type ControlConfig =
  | WithWitness<Extract<ParsedConfig['control'], { mode: 'local' }>>
  | WithWitness<Extract<ParsedConfig['control'], { mode: 'aws' }>>
  | (Extract<ParsedConfig['control'], { mode: 'peer' }> & { quorum: 'majority' | 'none'; peers: string[] })
  | (Omit<Extract<ParsedConfig['control'], { mode: 'etcd' }>, 'lease'> & {
      /** ttlSeconds: what agents ask etcd for (etcd may raise it to its minimum; config/etcd.ts). */
      lease: { ttlSeconds: number };
    });

/** The validated cluster description everything else works from. */
export interface Config {
  cluster: string;
  timers: Timers;
  nodes: NodeSpec[];
  checks: Record<string, CheckSpec>;
  vips: Vip[];
  dns: ParsedConfig['dns'];
  /** The LAN segments (`topology:`), when the config declares them. */
  topology?: TopologyEntry[];
  control: ControlConfig;
  security: Omit<ParsedConfig['security'], 'clockSkew'> & { signing: 'ed25519' | 'hmac-sha256'; clockSkew: number };
}

export type { NodeSpec, CheckSpec };
