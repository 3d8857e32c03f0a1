import type { Assignment, NodeView } from '../core/decide';
import type { GroupState } from '../core/ports';

/** The node views decide() takes: the stored heartbeat views with the operator's drain flags applied. */
export function viewsOf(state: GroupState): NodeView[] {
  return [...state.nodes.values()].map((r) => ({ ...r.view, draining: state.draining.has(r.view.id) }));
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
