import type { Clock } from './clock';
import type { Config, NodeSpec, Vip } from './config/model';
import type { VipKind } from './config/vips';
import type { Assignment, NodeView, ReasonCode } from './decide/types';
import type { ReplayGuard } from './heartbeat/envelope';
import type { WatchState } from './witness/judge';
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
  /**
   * Optional: calls `changed` whenever an address appears on or leaves the host (a hint to list
   * again, not the list), and `lost` once when it can no longer tell. A host that can watch is
   * listed rarely instead of every second.
   */
  watch?(events: AddressEvents): { stop(): void };
}

export interface AddressEvents {
  changed(): void;
  lost(reason: string): void;
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
      /**
       * When the provider's state was read back and matched (Route 53: the change is INSYNC).
       * Absent only with `acceptedAt`: the provider took the change but did not show it done
       * before the deadline (Route 53 still PENDING) — moved, not yet confirmed.
       */
      verifiedAt?: number;
      /**
       * Providers whose change propagates after it is accepted (Route 53: PENDING, then INSYNC):
       * when the provider accepted it. The address is moving from then on; it is not a failure
       * that `verifiedAt` comes tens of seconds later.
       */
      acceptedAt?: number;
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
  /**
   * The clock `deadline` is read on (the control plane's). An adapter measures the deadline, its
   * waits and its polls on it, so a move and its deadline never run on two clocks.
   */
  clock?: Clock;
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
  /**
   * How long one move of `kind` may take, retries included: the provider knows its own switch
   * time (a Robot failover blocks 40-60 s). Absent: the control plane's default deadline.
   */
  moveDeadlineMs?(kind: VipKind): number;
  /**
   * Optional: what the provider can see that would make a move of these VIPs useless though it
   * succeeds (EC2: an overlay route's possible owner drops routed packets, source/dest check on).
   * Read when `plan --observe` asks; throws a ProviderError like observe.
   */
  diagnose?(vips: readonly Vip[]): Promise<Array<{ vip: string; nodes: string[]; message: string }>>;
  /**
   * The least time between two drift reads (observe on scheduled ticks): every read spends the
   * provider's request budget (Robot allows 100 failover reads an hour). Absent: every reconcile.
   */
  readonly driftIntervalMs?: number;
}

/*
 * ---- Store: what the control plane remembers (DynamoDB in AWS, memory locally) ----
 * A "group" is the set of VIPs one tick decides together: today one cluster (its name is the key).
 */

/** What the control plane keeps of a node from its last accepted heartbeat. */
export interface NodeRecord {
  /** The folded view. Its `draining` is not authoritative: drain flags are stored apart (see GroupState). */
  view: NodeView;
  /** The replay guard of the heartbeat that wrote this record: later writes must be newer. */
  guard: ReplayGuard;
  /** `applied` of that heartbeat: the epochs the agent has really plumbed (the timeline's "bound"). */
  applied: Readonly<Record<string, number>>;
  /** Witnessed liveness: what this node last reported of each node it watches. */
  watch?: Readonly<Record<string, WatchState>>;
}

/** One node's part of a group: what a heartbeat or report needs, read without the other nodes. */
export interface NodeState {
  record?: NodeRecord;
  draining: boolean;
}

/** One consistent read of a group: the committed assignments with their version, and what nodes said. */
export interface GroupState {
  group: string;
  /** Compare-and-set token of the assignments: grows by one per commit, 0 before the first. */
  version: number;
  assignments: Assignment[];
  nodes: ReadonlyMap<string, NodeRecord>;
  /** Nodes an operator drains. Kept apart from heartbeat records so a heartbeat never clears it. */
  draining: ReadonlySet<string>;
}

/** When each step of a move happened (ms, the control plane's clock); absent = did not happen (yet). */
export interface FailoverTimeline {
  /** Last heartbeat received from the old owner. */
  lastHeartbeat?: number;
  /** When the control plane noticed what forced the move (trigger time). */
  detected?: number;
  /** When the decision was committed. */
  decided?: number;
  apiStart?: number;
  /** When the provider accepted the change (MoveResult.acceptedAt), for providers that propagate after. */
  accepted?: number;
  apiDone?: number;
  /** When the provider's state was read back and matched (MoveResult.verifiedAt). */
  verified?: number;
  /** When the new owner's heartbeat first reported the epoch applied. */
  bound?: number;
}

export type EventOutcome =
  | { ok: true; changed: boolean; calls: number }
  | { ok: false; reason: FailureReason; message: string; calls: number; skipped?: boolean };

/** An audit record. Moves keep their timeline; writing an event with an existing id merges into it. */
export interface ControlEvent {
  /** Sorts by time: `<ms, 15 digits>#<what>`; equal ids are the same event. */
  id: string;
  at: number;
  /** `dns`: a round-robin record set was republished (or failed to be). */
  kind: 'move' | 'drain' | 'undrain' | 'hook-failure' | 'dns' | 'note';
  vip?: string;
  from?: string | null;
  to?: string | null;
  epoch?: number;
  reason?: ReasonCode;
  detail: string;
  timeline?: FailoverTimeline;
  /** For moves through a provider: how the call went; absent while pending or when no provider acts. */
  outcome?: EventOutcome;
}

export type PutHeartbeatResult = { ok: true } | { ok: false; reason: 'replayed'; message: string };
export type CommitResult = { ok: true; version: number } | { ok: false; reason: 'conflict'; currentVersion: number };
export type LeaseResult = { ok: true; expiresAt: number } | { ok: false; holder: string; expiresAt: number };

/**
 * The control plane's memory. Races are settled here, never in callers:
 * - putHeartbeat writes only if the heartbeat is newer than the stored guard (same rule as the
 *   verifier), so two copies of one heartbeat cannot both be accepted and seq never goes back;
 * - commit is compare-and-set on the group version, so of two ticks that read the same state
 *   exactly one commits; the other gets `conflict` and must reload before acting;
 * - the lease keeps ticks from running at once (saves work); commit's CAS keeps them correct.
 * Expected outcomes (conflict, replay, lease held) are results; failures throw StoreError.
 */
export interface Store {
  putHeartbeat(group: string, node: string, record: NodeRecord): Promise<PutHeartbeatResult>;
  loadGroup(group: string): Promise<GroupState>;
  /** One node's record and drain flag (strongly consistent): a heartbeat reads this, never every node's. */
  loadNode(group: string, node: string): Promise<NodeState>;
  /** The committed assignments with their version, without the node records. */
  loadAssignments(group: string): Promise<Pick<GroupState, 'version' | 'assignments'>>;
  /** Writes the complete next `assignments`; `changed` names the VIPs that differ (or vanished) since `expectedVersion`. */
  commit(
    group: string,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
  ): Promise<CommitResult>;
  /** Upserts by id: fields given replace stored ones, timeline fields merge one by one. */
  appendEvents(group: string, events: readonly ControlEvent[]): Promise<void>;
  /** Sets timeline fields of an event that are not set yet (the first "bound" wins). */
  markTimeline(group: string, eventId: string, patch: Partial<FailoverTimeline>): Promise<void>;
  /** Newest first; `before` is the `next` of the previous page. */
  listEvents(
    group: string,
    page?: { limit?: number; before?: string },
  ): Promise<{ events: ControlEvent[]; next?: string }>;
  setDraining(group: string, node: string, draining: boolean, at: number): Promise<void>;
  /** Takes the group's tick lease if it is free, expired or already ours. */
  acquireLease(group: string, lease: { owner: string; ttlMs: number; now: number }): Promise<LeaseResult>;
  /** Gives the lease back if it is still ours. */
  releaseLease(group: string, owner: string): Promise<void>;
}

/** A store call that failed, classified like provider failures so callers can retry or answer 503. */
export class StoreError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** One round-robin record set, as the config's top-level `dns` entries describe it. */
export type DnsRecordSet = Config['dns'][number];

/**
 * Round-robin membership in DNS (the seeds publish their VIPs this way): a record set that lists
 * exactly the addresses of the record's VIPs that have an owner right now. The control loop calls
 * `publish` after each commit that changed ownership of one of the record's VIPs (and on every
 * scheduled tick, as drift repair), with the addresses the committed assignments give; the
 * publisher reads first and changes nothing when DNS already lists exactly those. IPv4 addresses
 * go in the A record, IPv6 ones in the AAAA record; an empty list removes the record.
 * Like `Provider.move`, `publish` never throws: failures come back classified.
 */
export interface RecordSetPublisher {
  readonly name: string;
  /** The addresses the record lists now (canonical text, sorted); throws a ProviderError. */
  observe(record: DnsRecordSet): Promise<string[]>;
  publish(record: DnsRecordSet, addresses: readonly string[], ctx: MoveContext): Promise<MoveResult>;
}
