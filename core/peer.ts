import type { Config } from './config/model';
import { successionOf } from './config/succession';
import { decide, type Assignment, type Decision, type NodeView } from './decide';
import { NO_PEER_OPS, withDrains, withPins, type PeerOpsView } from './peer/ops';
import { holdDuringReload, type RollingState } from './peer/rolling-reload';

/**
 * Peer mode: no control plane. Every agent runs the same decide() on what it hears, and acts only
 * on its own VIPs. The shared truth is what hosts report having bound (`held`, with the epochs in
 * `applied`), which every peer hears alike; each peer keeps only a local memory of when holders
 * changed (for minHold and the flap budget).
 *
 * Three rules keep two hosts from answering for one address:
 * 1. A node binds a VIP only when decide() names it AND no other live node still holds it: a
 *    planned move (preempt, rebalance, drain) is break-before-make; the old holder lets go on its
 *    own next evaluation and says so in its next heartbeat.
 * 2. With quorum `majority`, a node that has not heard a majority within the quorum lease
 *    (deadAfter − 1.5 intervals) releases everything. The other side declares it dead only after
 *    deadAfter from its last heartbeat, which is later by at least half an interval plus the
 *    network delay, so the minority always lets go first.
 * 3. A node claims (and holds) nothing until it has run, and had quorum, for deadAfter without a
 *    break, so it has heard every live peer before it decides (keepalived starts as BACKUP for the same reason):
 *    two nodes starting together with partial views, or an isolated node that regains quorum
 *    through one peer while its view of another (who took its VIPs) is stale, would otherwise claim.
 * 4. A node does not bind an unheld VIP at once: it announces the claim (`claiming` in its
 *    heartbeat) and binds after claimHoldoff if no other live node holds or claims it meanwhile.
 *    Peers whose views differ for a moment (a release heard by one and not yet by another) would
 *    otherwise both claim. Claims that cross on the wire resolve by a fixed order (succession, then config order).
 * 5. When several live nodes hold one VIP (a healed partition of a two-node pair), all peers pick
 *    the same winner: the highest applied epoch, then the order of succession, then config order.
 */
export interface PeerMemory {
  /** Per VIP: the holder last observed, since when, and when holders changed recently. */
  readonly holders: ReadonlyMap<string, { node: string | null; since: number; moves: number[] }>;
  /** Since when this node has had quorum without a break (null while it has none). */
  readonly quorumSince: number | null;
  /** This node's open claims: VIP → when it announced the claim. */
  readonly claims: ReadonlyMap<string, number>;
  /** Since when a live peer has run another config digest (core/peer/rolling-reload.ts). */
  readonly rollingSince?: number | null;
}

export const EMPTY_PEER_MEMORY: PeerMemory = { holders: new Map(), quorumSince: null, claims: new Map() };

export interface PeerInput {
  config: Config;
  self: string;
  /** Every node's view, this node's own included (lastSeen = now). */
  views: readonly NodeView[];
  memory: PeerMemory;
  now: number;
  /** When this agent started: it claims nothing until it has heard everyone alive (deadAfter). */
  startedAt: number;
  configDigest?: string;
  /** The operators' drains and pins, as every peer carries them (core/peer/ops.ts). */
  ops?: PeerOpsView;
}

export interface PeerDecision {
  decision: Decision;
  memory: PeerMemory;
  quorum: { ok: boolean; heard: number; needed: number; window: number };
  /** VIPs this node should bind now. */
  bind: string[];
  /** VIPs this node holds and must release now. */
  unbind: string[];
  /** VIPs decided for this node but still held or claimed elsewhere: retried on later evaluations. */
  waiting: Array<{ vip: string; holder: string }>;
  /** VIPs this node announces it is claiming (put them in the next heartbeat's `claiming`). */
  claiming: string[];
  /** When this node should evaluate again because a claim matures then (null if none). */
  wakeAt: number | null;
  /** Peers on another config digest, and whether placement moves are deferred (rolling reload). */
  rolling: RollingState;
  /** VIPs decided elsewhere that this node keeps while digests differ (rolling reload). */
  deferred: string[];
}

/**
 * How far above the highest epoch a peer has seen for a VIP another peer's `applied` may be. Every
 * move adds one, and a live peer hears every holder's heartbeats, so a legitimate epoch is at most
 * the moves it missed above what it saw: a partition's worth, which the flap budget (6 per 10 min
 * by default) keeps to a handful. 1000 leaves room for a long partition of a flapping VIP and
 * still makes a stolen key ratchet the epoch up 1000 per datagram at best, not to 2^53 in one.
 */
export const PEER_EPOCH_STEP = 1000;

/**
 * No peer ever takes or decides an epoch above this. A move a millisecond would need 8,900 years to
 * reach it, and it is far enough below Number.MAX_SAFE_INTEGER (2^53) that adding one never leaves
 * the integers the heartbeat schema accepts (a node whose epoch overflowed was refused by every peer
 * as malformed, and its VIPs ended up held twice). A stolen key ratcheting 1000 per datagram at
 * 100k datagrams a second needs a month of sustained flood to get here, and even then nothing breaks:
 * epochs stop growing, equal epochs are still applied.
 */
export const PEER_EPOCH_CAP = 2 ** 48;

/**
 * A peer's `applied` epochs, split into those this node takes (within PEER_EPOCH_STEP of the
 * highest it has seen for the VIP, and not above the cap) and those it ignores. Only the bad entries
 * go: the heartbeat's liveness, held VIPs and checks still count, so one absurd number cannot make a
 * live node look dead (which is what refusing the whole heartbeat did).
 */
export function admitEpochs(
  applied: Readonly<Record<string, number>>,
  seen: (vip: string) => number,
): { applied: Record<string, number>; ignored: Array<{ vip: string; epoch: number; limit: number }> } {
  const out: Record<string, number> = {};
  const ignored: Array<{ vip: string; epoch: number; limit: number }> = [];
  for (const [vip, epoch] of Object.entries(applied)) {
    const limit = Math.min(PEER_EPOCH_CAP, seen(vip) + PEER_EPOCH_STEP);
    if (epoch <= limit) out[vip] = epoch;
    else ignored.push({ vip, epoch, limit });
  }
  return { applied: out, ignored };
}

/** How long a node may go without hearing a majority before it must let go of its VIPs. */
export function quorumLease(config: Config): number {
  const { deadAfter, heartbeatInterval } = config.timers;
  return Math.max(heartbeatInterval, deadAfter - 1.5 * heartbeatInterval);
}

export function decideAsPeer(input: PeerInput): PeerDecision {
  const { config, self, now } = input;
  const ops = input.ops ?? NO_PEER_OPS;
  const views = withDrains(input.views, ops.drained);
  const live = liveHolders(config, views, now);
  const observed = observe(config, views, live, input.memory, now);
  const { memory } = observed;
  const assignments = withPins(observed.assignments, ops.pins);
  const decision = decide({
    config,
    nodes: views,
    assignments,
    now,
    ...(input.configDigest ? { configDigest: input.configDigest } : {}),
  });
  const quorum = leaseQuorum(config, views, self, now);
  const mine = views.find((v) => v.id === self)?.held ?? [];
  const owner = new Map(decision.assignments.map((a) => [a.vip, a.node]));

  const current = new Map(assignments.map((a) => [a.vip, a.node]));
  // A node that is not the agreed winner among several holders lets go at once, even when its own
  // decision picks it: its view of itself can differ from its peers' view of it (aliveSince), and
  // only the winner is common knowledge. It can claim again, break-before-make, later.
  const contested = (vip: string): boolean => (live.get(vip)?.length ?? 0) > 1 && current.get(vip) !== self;
  // Views of peers seen as dead may be stale: after a start or a regained quorum, wait deadAfter
  // so every reachable peer has been heard before claiming anything. A settling node holds nothing
  // either: it normally has nothing (clean slate at start, released on losing quorum), and when it
  // does, its idea of what it holds is what is stale (an agent resumed after SIGSTOP whose fence
  // removed the addresses meanwhile, while peers took them over).
  const quorumSince = quorum.ok ? (input.memory.quorumSince ?? now) : null;
  const settling = now - Math.max(input.startedAt, quorumSince ?? now) < config.timers.deadAfter;
  const releases = mine.filter((vip) => !quorum.ok || settling || owner.get(vip) !== self || contested(vip));
  // Rolling reload: while live peers run another config, no VIP moves because the configs differ.
  const { rolling, deferred } = holdDuringReload(
    { config, self, views, now, ownDigest: input.configDigest, since: input.memory.rollingSince ?? null },
    { releases, moves: decision.moves, safe: (vip) => quorum.ok && !settling && !contested(vip) },
  );
  const unbind = releases.filter((vip) => !deferred.includes(vip));
  const bind: string[] = [];
  const waiting: PeerDecision['waiting'] = [];
  const claims = new Map<string, number>();
  if (quorum.ok && !settling) {
    const claimants = liveClaimants(config, views, self, now);
    const order = claimOrder(config);
    for (const a of decision.assignments) {
      if (a.node !== self || mine.includes(a.vip)) continue;
      const holder = (live.get(a.vip) ?? []).find((n) => n !== self);
      if (holder) {
        waiting.push({ vip: a.vip, holder });
        // An operator's move (holder drained, or the VIP pinned here): the holder lets go on purpose,
        // so the claim is announced now and its holdoff runs meanwhile. Binding still waits (rule 1).
        if (ops.drained.has(holder) || ops.pins.get(a.vip)?.node === self)
          claims.set(a.vip, input.memory.claims.get(a.vip) ?? now);
        continue;
      }
      const rivals = claimants.get(a.vip) ?? [];
      const started = input.memory.claims.get(a.vip);
      // Never start a claim another node has already announced; between claims that crossed on the
      // wire (each started before it heard the other), the claim order decides, alike everywhere.
      const beaten = rivals.find(
        (r) =>
          started === undefined || order(r, self, successionOf(config.vips.find((v) => v.name === a.vip) ?? {})) < 0,
      );
      if (beaten) {
        waiting.push({ vip: a.vip, holder: beaten });
        continue;
      }
      const since = started ?? now;
      if (now >= since + config.timers.claimHoldoff) bind.push(a.vip);
      else claims.set(a.vip, since);
    }
  }
  const claiming = [...claims.keys()];
  const wakeAt =
    claiming.length === 0 ? null : Math.min(...claiming.map((v) => claims.get(v)! + config.timers.claimHoldoff));
  const kept = { ...memory, quorumSince, claims, rollingSince: rolling.since };
  return { decision, memory: kept, quorum, bind, unbind, waiting, claiming, wakeAt, rolling, deferred };
}

/** Live nodes holding each VIP, in config order. */
function liveHolders(config: Config, views: readonly NodeView[], now: number): Map<string, string[]> {
  const order = new Map(config.nodes.map((n, i) => [n.id, i]));
  const out = new Map<string, string[]>();
  const sorted = [...views].filter((v) => order.has(v.id)).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  for (const v of sorted) {
    if (v.leaving || v.lastSeen === null || now - v.lastSeen > config.timers.deadAfter) continue;
    for (const vip of v.held) out.set(vip, [...(out.get(vip) ?? []), v.id]);
  }
  return out;
}

/** The current assignments as reality shows them, and the updated memory of holder changes. */
function observe(
  config: Config,
  views: readonly NodeView[],
  live: Map<string, string[]>,
  memory: PeerMemory,
  now: number,
): { assignments: Assignment[]; memory: PeerMemory } {
  const applied = (node: string, vip: string): number => views.find((v) => v.id === node)?.applied?.[vip] ?? 0;
  const holders = new Map(memory.holders);
  const { window } = config.timers.flapBudget;
  const assignments = config.vips.map((vip): Assignment => {
    const candidates = live.get(vip.name) ?? [];
    const node = winner(candidates, (n) => applied(n, vip.name), successionOf(vip));
    const epoch = Math.max(0, ...views.map((v) => v.applied?.[vip.name] ?? 0));
    const seen = holders.get(vip.name);
    let entry = seen ?? { node, since: now, moves: [] };
    // A planned move passes through "nobody" (break-before-make): count only arrivals at a holder.
    if (seen && seen.node !== node)
      entry = {
        node,
        since: now,
        moves: node === null ? seen.moves : [...seen.moves.filter((t) => t > now - window), now],
      };
    holders.set(vip.name, entry);
    return { vip: vip.name, node, epoch, since: entry.since, moves: entry.moves };
  });
  return { assignments, memory: { ...memory, holders } };
}

/** Live nodes (other than self) announcing a claim, per VIP. */
function liveClaimants(config: Config, views: readonly NodeView[], self: string, now: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of views) {
    if (v.id === self || v.leaving || v.lastSeen === null || now - v.lastSeen > config.timers.deadAfter) continue;
    for (const vip of v.claiming ?? []) out.set(vip, [...(out.get(vip) ?? []), v.id]);
  }
  return out;
}

/** Where a node stands in a VIP's order of succession: listed nodes by their place, the rest after them, alike. */
function standing(succession: readonly string[], node: string): number {
  const i = succession.indexOf(node);
  return i < 0 ? succession.length : i;
}

/** Between crossing claims: the order of succession first, then config order. Negative when `a` goes first. */
function claimOrder(config: Config): (a: string, b: string, succession: readonly string[]) => number {
  const index = new Map(config.nodes.map((n, i) => [n.id, i]));
  return (a, b, succession) => standing(succession, a) - standing(succession, b) || index.get(a)! - index.get(b)!;
}

/** `nodes` come in config order, so among equals the first configured wins. */
function winner(
  nodes: readonly string[],
  epochOf: (n: string) => number,
  succession: readonly string[],
): string | null {
  if (nodes.length <= 1) return nodes[0] ?? null;
  const best = Math.max(...nodes.map(epochOf));
  const top = nodes.filter((n) => epochOf(n) === best);
  return top.reduce((w, n) => (standing(succession, n) < standing(succession, w) ? n : w));
}

function leaseQuorum(config: Config, views: readonly NodeView[], self: string, now: number): PeerDecision['quorum'] {
  const window = quorumLease(config);
  const needed = Math.floor(config.nodes.length / 2) + 1;
  const control = config.control;
  const ids = new Set(config.nodes.map((n) => n.id));
  const heard = views.filter(
    (v) => ids.has(v.id) && (v.id === self || (v.lastSeen !== null && now - v.lastSeen <= window && !v.leaving)),
  ).length;
  const enforced = control.mode === 'peer' && control.quorum === 'majority';
  return { ok: !enforced || heard >= needed, heard, needed, window };
}
