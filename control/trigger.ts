import type { Config } from '../core/config/model';
import { compile, decide, type Assignment, type NodeView } from '../core/decide';
import { successionOf } from '../core/config/succession';

/**
 * Whether the group needs a decision now, judged at a heartbeat. A cheap scan first — an owner
 * dead, leaving, draining or failing a check its VIP needs; an unowned VIP; a preferred node back
 * for preemptDelay; a node that just came (back) to life — and only then decide() itself, so a
 * tick starts exactly when it would change something. The scan is state-based, not edge-based:
 * if a tick cannot run now (lease held), the next heartbeat from any node asks again, which is
 * what bounds failover by deadAfter plus one heartbeat interval even with a single survivor.
 */
export function pendingChange(input: {
  config: Config;
  views: readonly NodeView[];
  assignments: readonly Assignment[];
  now: number;
  digest: string;
  arrived?: NodeView;
}): string | undefined {
  if (!suspect(input)) return undefined;
  const d = decide({
    config: input.config,
    nodes: input.views,
    assignments: input.assignments,
    now: input.now,
    configDigest: input.digest,
  });
  if (d.moves.length === 0) return undefined;
  const m = d.moves[0]!;
  const more = d.moves.length > 1 ? ` (+${d.moves.length - 1} more)` : '';
  return `${m.vip} ${m.from ?? '-'}→${m.to ?? '-'} ${m.reason}: ${m.detail}${more}`;
}

function suspect(input: {
  config: Config;
  views: readonly NodeView[];
  assignments: readonly Assignment[];
  now: number;
  arrived?: NodeView;
}): boolean {
  const { config, now } = input;
  const model = compile(config);
  const { deadAfter, preemptDelay } = config.timers;
  const byId = new Map(input.views.map((v) => [v.id, v]));
  const alive = (v: NodeView | undefined): v is NodeView =>
    !!v && v.lastSeen !== null && now - v.lastSeen <= deadAfter && !v.leaving;
  if (input.arrived && input.arrived.aliveSince === input.arrived.lastSeen) return true;
  if (input.assignments.length < model.vips.length && input.views.some(alive)) return true;
  for (const a of input.assignments) {
    const i = model.vipIndex.get(a.vip);
    if (i === undefined) return true;
    const vip = model.vips[i]!;
    if (a.node === null) {
      if (input.views.some(alive)) return true;
      continue;
    }
    const owner = byId.get(a.node);
    if (!alive(owner) || owner.draining) return true;
    for (const c of vip.checks) if (!owner.checks[c]?.ok) return true;
    if (vip.preempt && !a.pinned) {
      // Any node above the owner in the order of succession, back for preemptDelay, may take it.
      const order = successionOf(vip);
      const at = order.indexOf(a.node);
      for (const id of order.slice(0, at < 0 ? order.length : at)) {
        const pref = byId.get(id);
        if (alive(pref) && pref.aliveSince !== null && now - pref.aliveSince >= preemptDelay) return true;
      }
    }
  }
  return false;
}

/**
 * Witnessed liveness: a report that arrives just after one of its node's time points — back for
 * preemptDelay while in some VIP's order of succession, or for minHold (a newcomer's share) — is
 * news, since only time decided and no other message will say so before a keepalive. The points
 * are counted from the node's aliveSince; each is news once, to the first report past it.
 */
export function timeRanOut(
  config: Config,
  prev: NodeView | undefined,
  next: NodeView,
  now: number,
): string | undefined {
  const since = next.aliveSince;
  const heardBefore = prev?.lastSeen;
  if (since === null || heardBefore === null || heardBefore === undefined) return undefined;
  const passed = (span: number) => heardBefore < since + span && since + span <= now;
  const { preemptDelay, minHold } = config.timers;
  const inLine = config.vips.some((v) => v.preempt && successionOf(v).includes(next.id));
  if (inLine && passed(preemptDelay)) return 'preemptDelay ran out';
  if (passed(minHold)) return 'minHold ran out';
  return undefined;
}
