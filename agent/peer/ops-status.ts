import type { Config } from '../../core/config';
import type { NodeView } from '../../core/decide';
import type { PeerDecision } from '../../core/peer';
import type { PeerOpsBook } from './ops-book';

/** One node as this agent sees it, from that node's own heartbeats. */
export interface PeerNodeRow {
  node: string;
  self: boolean;
  alive: boolean;
  lastSeenMsAgo: number | null;
  configDigest?: string;
  /** The operations it carries (equal digests: the same drains and pins) and the drains among them. */
  opsDigest?: string;
  drainedAsItSees?: string[];
  draining: boolean;
  held: readonly string[];
}

/** `ipferry status` for a peer cluster, as the local agent sees it (docs/peer-mode.md, "Operations"). */
export interface PeerClusterStatus {
  mode: 'peer';
  cluster: string;
  node: string;
  at: number;
  quorum: PeerDecision['quorum'] | null;
  nodes: PeerNodeRow[];
  vips: Array<{
    vip: string;
    /** Who this node's decision names. */
    owner: string | null;
    /** Who says it has it bound. */
    holders: string[];
    reason?: string;
    pinned?: { node: string; reason: string; by?: string };
  }>;
  drained: string[];
  /** Where the nodes' views differ: config digests, carried operations, double holders. */
  disagreements: string[];
  refused: Record<string, number>;
}

export function peerClusterStatus(input: {
  config: Config;
  self: string;
  now: number;
  configDigest: string;
  views: readonly NodeView[];
  last: PeerDecision | undefined;
  ops: PeerOpsBook;
}): PeerClusterStatus {
  const { config, self, now, views, last, ops } = input;
  const view = ops.view();
  const carried = ops.carriedBy();
  const ownOps = ops.digest();
  const nodes: PeerNodeRow[] = config.nodes.map((n) => {
    const v = views.find((x) => x.id === n.id);
    const mine = n.id === self;
    const c = mine ? { digest: ownOps, drained: [...view.drained].sort() } : carried.get(n.id);
    const alive = mine || (!!v && v.lastSeen !== null && now - v.lastSeen <= config.timers.deadAfter && !v.leaving);
    return {
      node: n.id,
      self: mine,
      alive,
      lastSeenMsAgo: mine ? 0 : v?.lastSeen == null ? null : now - v.lastSeen,
      ...(v?.configDigest ? { configDigest: v.configDigest } : mine ? { configDigest: input.configDigest } : {}),
      ...(c ? { opsDigest: c.digest, drainedAsItSees: c.drained } : {}),
      draining: view.drained.has(n.id),
      held: alive ? (v?.held ?? []) : [],
    };
  });
  const decided = new Map(last?.decision.assignments.map((a) => [a.vip, a]) ?? []);
  const vips = config.vips.map((vip) => {
    const pin = view.pins.get(vip.name);
    return {
      vip: vip.name,
      owner: decided.get(vip.name)?.node ?? null,
      holders: nodes.filter((n) => n.held.includes(vip.name)).map((n) => n.node),
      ...(last?.decision.reasons[vip.name] ? { reason: last.decision.reasons[vip.name]!.code } : {}),
      ...(pin ? { pinned: pin } : {}),
    };
  });
  const disagreements: string[] = [];
  for (const n of nodes) {
    if (n.self || !n.alive) continue;
    if (n.configDigest && n.configDigest !== input.configDigest)
      disagreements.push(`${n.node} runs config ${n.configDigest}, this node ${input.configDigest}`);
    if (n.opsDigest !== undefined && n.opsDigest !== ownOps)
      disagreements.push(
        `${n.node} carries other operations (${n.opsDigest}, drained: ${n.drainedAsItSees?.join(', ') || 'none'}) than this node (${ownOps}, drained: ${[...view.drained].sort().join(', ') || 'none'})`,
      );
  }
  for (const v of vips) if (v.holders.length > 1) disagreements.push(`${v.vip} is held by ${v.holders.join(' and ')}`);
  return {
    mode: 'peer',
    cluster: config.cluster,
    node: self,
    at: now,
    quorum: last?.quorum ?? null,
    nodes,
    vips,
    drained: [...view.drained].sort(),
    disagreements,
    refused: ops.refusals(),
  };
}
