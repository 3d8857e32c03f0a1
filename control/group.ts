import type { Config } from '../core/config/model';
import type { Assignment, NodeView } from '../core/decide';
import type { GroupState } from '../core/ports';
import { witnessedViews, witnessRing, type WitnessRing } from '../core/witness';

/**
 * The node views decide() takes, with the operator's drain flags applied. Direct liveness: the
 * stored heartbeat views as they are. Witnessed: the views as the witnesses judge them at `now`.
 */
export function viewsOf(state: GroupState, config: Config, now: number): NodeView[] {
  const views = witnessed(config)
    ? witnessedViews({ config, ring: ringOf(config), records: state.nodes, now })
    : [...state.nodes.values()].map((r) => r.view);
  return views.map((v) => ({ ...v, draining: state.draining.has(v.id) }));
}

export function witnessed(config: Config): boolean {
  const c = config.control;
  return c.mode !== 'peer' && c.mode !== 'etcd' && c.liveness === 'witnessed';
}

const rings = new WeakMap<Config, WitnessRing>();

/** The config's witness ring, computed once per config object. */
export function ringOf(config: Config): WitnessRing {
  let ring = rings.get(config);
  if (!ring) rings.set(config, (ring = witnessRing(config)));
  return ring;
}

/** VIPs whose assignment differs between two states, and VIPs that vanished: what a commit must write. */
export function changedVips(before: readonly Assignment[], after: readonly Assignment[]): string[] {
  const prev = new Map(before.map((a) => [a.vip, a]));
  const out: string[] = [];
  for (const a of after) {
    const p = prev.get(a.vip);
    prev.delete(a.vip);
    if (!p || !sameAssignment(p, a)) out.push(a.vip);
  }
  out.push(...prev.keys());
  return out;
}

function sameAssignment(a: Assignment, b: Assignment): boolean {
  return (
    a.node === b.node &&
    a.epoch === b.epoch &&
    a.since === b.since &&
    a.moves.length === b.moves.length &&
    a.moves.every((t, i) => t === b.moves[i]) &&
    a.pinned?.reason === b.pinned?.reason &&
    a.pinned?.by === b.pinned?.by
  );
}

/** A node's assignments, as the heartbeat answer lists them. */
export function ownedBy(assignments: readonly Assignment[], node: string): Array<{ vip: string; epoch: number }> {
  return assignments.filter((a) => a.node === node).map((a) => ({ vip: a.vip, epoch: a.epoch }));
}
