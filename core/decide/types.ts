import type { Config } from '../config/model';

/** A check's state as the decider knows it: `since` is the receive time of its last change. */
export interface CheckState {
  ok: boolean;
  since: number;
  detail?: string;
}

/**
 * What the decider knows of a node. Times are on the decider's clock (receive times), never the
 * node's own: a node's clock cannot make it look alive.
 */
export interface NodeView {
  id: string;
  /** The agent's boot id: a new one means the node restarted. */
  bootId?: string;
  /** When its last heartbeat was received, or null if never. */
  lastSeen: number | null;
  /** When its current unbroken run of heartbeats began (reset after a silence longer than deadAfter or a reboot). */
  aliveSince: number | null;
  checks: Readonly<Record<string, CheckState>>;
  /** VIP names the host reports having bound. */
  held: readonly string[];
  /** The epoch of each assignment the host has applied (from its heartbeat's `applied`). */
  applied?: Readonly<Record<string, number>>;
  /** Peer mode: VIPs the host has announced it is about to bind. */
  claiming?: readonly string[];
  /** An operator asked for its VIPs to leave (maintenance). */
  draining: boolean;
  /** It said it is stopping (graceful stop): treated as dead at once. */
  leaving: boolean;
  configDigest?: string;
}

/** Who holds a VIP in the decided state, with the fencing epoch and the history the policies need. */
export interface Assignment {
  vip: string;
  node: string | null;
  /** Grows by one on every change of owner: a fencing token for commits and for agents. */
  epoch: number;
  /** When the owner last changed. */
  since: number;
  /** Times of recent owner changes, pruned to the flap-budget window. */
  moves: number[];
  /** Set by a manual move: preemption and rebalancing leave the VIP alone; forced moves still happen. */
  pinned?: { reason: string; by?: string };
}

export const REASON_CODES = [
  'stable',
  'claim',
  'owner-dead',
  'owner-leaving',
  'owner-unhealthy',
  'owner-ineligible',
  'drain',
  'preempt',
  'rebalance',
  'follow',
  'no-eligible-node',
  'no-quorum',
  'flap-budget',
  'drift',
  'manual',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  /** For people: the facts behind the code, e.g. "mail01: no heartbeat for 3.2s (deadAfter 3s)". */
  detail: string;
}

export interface Move {
  vip: string;
  from: string | null;
  to: string | null;
  reason: ReasonCode;
  detail: string;
  /** The epoch of the new assignment. */
  epoch: number;
}

export type DiagnosticKind =
  'unsafe' | 'broken' | 'unowned' | 'no-quorum' | 'drain-blocked' | 'dual-holder' | 'flap-budget';

export interface Diagnostic {
  kind: DiagnosticKind;
  vip?: string;
  nodes?: string[];
  message: string;
}

export interface DecideInput {
  config: Config;
  nodes: readonly NodeView[];
  assignments: readonly Assignment[];
  now: number;
  /** The decider's own config digest; compared with what the nodes report. */
  configDigest?: string;
}

export interface Decision {
  /** The complete next state, one entry per configured VIP, in config order. */
  assignments: Assignment[];
  /** Only the VIPs whose owner changes. */
  moves: Move[];
  reasons: Record<string, Reason>;
  diagnostics: Diagnostic[];
}
