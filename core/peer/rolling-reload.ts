import type { Config } from '../config/model';
import type { Move, NodeView, ReasonCode } from '../decide/types';

/**
 * Moves that follow from placement, which two configs may see differently: these wait while
 * digests differ. A dead, leaving or unhealthy owner, a drain and a manual move never wait.
 */
export const PLACEMENT_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'preempt',
  'rebalance',
  'follow',
  'owner-ineligible',
]);

/**
 * How long a node defers placement moves while live peers run another config (a rolling reload
 * under way). Long enough for an operator, or a tool going host by host, to reload a whole cluster;
 * short enough that a cluster left half-reloaded does not keep its planned moves frozen for long.
 */
export const ROLLING_HOLD_MS = 60_000;

export interface RollingInput {
  self: string;
  /** This node's config digest (undefined: nothing to compare, the rule is off). */
  ownDigest: string | undefined;
  /** Every node's view; only live nodes of this config that report a digest count. */
  views: readonly NodeView[];
  nodes: ReadonlySet<string>;
  now: number;
  deadAfter: number;
  /** From the last evaluation: since when a live peer has run another digest (null: all agreed). */
  since: number | null;
  holdMs?: number;
}

export interface RollingState {
  /** Since when live peers have disagreed, carried to the next evaluation (null once all agree). */
  since: number | null;
  /** Live peers whose heartbeats carry another digest than this node's, sorted. */
  others: string[];
  /** Defer placement moves now: digests differ and the bound has not passed. */
  holding: boolean;
  /** Digests still differ after the bound: each node acts on its own config again. */
  expired: boolean;
}

/**
 * The rolling-reload rule (docs/peer-mode.md, "Reload"). While a live peer runs another config
 * digest, nodes reloaded and not yet reloaded may place a VIP differently; acting on that
 * disagreement would move a VIP twice (to where the new config puts it, back when the old side
 * wins a tie) or not at all for a reason no config states. So a node that sees another digest
 * holds what it holds unless safety says otherwise, for at most `holdMs` from the first
 * disagreement; once every live peer agrees the clock resets. Past the bound each node acts on its
 * own config, as before the rule, and the `unsafe` diagnostic stays until digests agree.
 */
export function rollingReload(input: RollingInput): RollingState {
  const { ownDigest, now } = input;
  if (ownDigest === undefined) return { since: null, others: [], holding: false, expired: false };
  const others = input.views
    .filter(
      (v) =>
        v.id !== input.self &&
        input.nodes.has(v.id) &&
        !v.leaving &&
        v.lastSeen !== null &&
        now - v.lastSeen <= input.deadAfter &&
        v.configDigest !== undefined &&
        v.configDigest !== ownDigest,
    )
    .map((v) => v.id)
    .sort();
  if (others.length === 0) return { since: null, others, holding: false, expired: false };
  const since = input.since ?? now;
  const expired = now - since >= (input.holdMs ?? ROLLING_HOLD_MS);
  return { since, others, holding: !expired, expired };
}

/**
 * The rule applied to one evaluation: of the VIPs this node would release, it keeps (`deferred`)
 * those whose move has a placement reason and that are `safe` to keep (quorum, not settling, not
 * contested); a release for any other reason, or of a VIP no longer configured, goes ahead.
 */
export function holdDuringReload(
  at: {
    config: Config;
    self: string;
    views: readonly NodeView[];
    now: number;
    ownDigest?: string;
    since: number | null;
  },
  would: { releases: readonly string[]; moves: readonly Move[]; safe: (vip: string) => boolean },
): { rolling: RollingState; deferred: string[] } {
  const rolling = rollingReload({
    self: at.self,
    ownDigest: at.ownDigest,
    views: at.views,
    nodes: new Set(at.config.nodes.map((n) => n.id)),
    now: at.now,
    deadAfter: at.config.timers.deadAfter,
    since: at.since,
  });
  if (!rolling.holding) return { rolling, deferred: [] };
  const reason = new Map(would.moves.map((m) => [m.vip, m.reason]));
  const deferred = would.releases.filter((vip) => {
    const r = reason.get(vip);
    return r !== undefined && PLACEMENT_REASONS.has(r) && would.safe(vip);
  });
  return { rolling, deferred };
}
