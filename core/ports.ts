import type { NodeSpec, Vip } from './config/model';
import type { VipKind } from './config/vips';
import type { FailureReason } from './reasons';

/**
 * The shapes that side effects plug into. Core decides; adapters (providers, stores) and the agent
 * (host plumbing) act. Each port is small on purpose: one job, a handful of methods.
 */

/** One address as the host carries it: `ip addr add <address>/<prefixLength> dev <interface>`. */
export interface HostAddress {
  /** Canonical address text (no prefix). */
  address: string;
  prefixLength: number;
  family: 4 | 6;
  interface: string;
}

/**
 * The agent's view of its own host network. Implementations: `ip` + `arping`/`ndsend` on Linux,
 * and a recording one for the demo and for tests that must not touch the host.
 * All methods are idempotent: binding a bound address or unbinding an absent one succeeds.
 */
export interface HostNet {
  /** Addresses (canonical text) currently configured on any of the given interfaces. */
  bound(interfaces: readonly string[]): Promise<Set<string>>;
  bind(addr: HostAddress): Promise<void>;
  unbind(addr: HostAddress): Promise<void>;
  /** Tell the segment where the address now lives: gratuitous ARP (IPv4) or unsolicited NA (IPv6). */
  announce(addr: HostAddress, opts?: { count?: number; intervalMs?: number }): Promise<void>;
}

/** Where a provider says an address is attached right now. */
export interface Holding {
  /** The node (by config id) holding the address, or null when none of ours does. */
  node: string | null;
  /** Set when something outside the config holds it (an ENI, server or IP we do not manage). */
  foreign?: string;
}

export type MoveResult =
  | {
      ok: true;
      /** False when the address was already where it should be (no mutating call was made). */
      changed: boolean;
      /** API calls this move used, reads included. */
      calls: number;
      /** When the provider's state was read back and matched. */
      verifiedAt: number;
      /** For moves that cannot be atomic (IPv6 on EC2): how long the address had no holder. */
      gapMs?: number;
      detail?: string;
    }
  | { ok: false; reason: FailureReason; message: string; calls: number };

/** A request budget a provider account has left, so the control loop can look before it acts. */
export interface Budget {
  /** Requests left in the current window, or null when the provider publishes no limit. */
  remaining: number | null;
  limit: number | null;
  /** When the window refills (ms since epoch), when known. */
  resetAt: number | null;
}

/** Everything a provider adapter needs to act on one move. */
export interface MoveContext {
  /** The assignment's epoch: adapters may tag or log with it; it orders moves of one VIP. */
  epoch: number;
  /** ms since epoch after which the adapter gives up (returning a classified failure). */
  deadline: number;
  signal?: AbortSignal;
}

/**
 * A provider adapter: one per family of VIP kinds (EC2, Route 53, Hetzner Cloud, Robot, bare
 * metal). `observe` reads the provider's truth; `move` is idempotent — it observes first, acts
 * only when the address is elsewhere, then reads back until the provider agrees (or the deadline).
 * Errors never escape as exceptions: they come back as `{ ok: false, reason }`.
 */
export interface Provider {
  readonly name: string;
  readonly kinds: readonly VipKind[];
  observe(vips: readonly Vip[]): Promise<Map<string, Holding>>;
  move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult>;
  /** What is left of the account's request budget, so the control loop can look before it acts. */
  budget(): Budget;
}
