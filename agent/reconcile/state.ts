/**
 * What the reconciler knows about its VIPs, by name: plain maps the loop reads and the effects
 * write. Nothing here does anything; it is the "what is" and "what should be" of the loop.
 */
export interface HostState {
  /** What this node owns (an answer's assignments that passed the fence), with epochs. */
  owned: Map<string, number>;
  /** Epochs of what this agent has plumbed. */
  applied: Map<string, number>;
  /** The highest epoch ever applied per VIP in this boot: older assignments are ignored. */
  fence: Map<string, number>;
  /** On the host, as last listed and changed since by this agent. */
  bound: Set<string>;
  /** Owned, not bound yet, and why (the bind gate's answer). */
  waiting: Map<string, string>;
  /** The last bind failure, until the VIP is bound or released. */
  faults: Map<string, string>;
}

export function emptyState(): HostState {
  return {
    owned: new Map(),
    applied: new Map(),
    fence: new Map(),
    bound: new Set(),
    waiting: new Map(),
    faults: new Map(),
  };
}
