import type { Clock } from '../../core/clock';
import type { NodeView } from '../../core/decide';
import { foldHeartbeat } from '../../core/node-view';
import type { GroupState, NodeRecord, Store } from '../../core/ports';

/**
 * etcd mode's liveness, as a view over the store: a node is alive exactly while its etcd lease
 * lives (etcd deletes the node's liveness key when the lease expires), so every record of a live
 * node is a node alive now, and the others are left out (never heard from, as decide() sees it). The times inside a record are the agent's own clock, which must never make a node look
 * alive or healthy for longer (core/decide/types.ts), so each load folds the record again on the
 * decider's clock, as the control plane folds a heartbeat: `lastSeen` is the load, `aliveSince`
 * and each check's `since` run from when this decider first saw them so. A new decider starts
 * every run afresh (preemptDelay counts again from its first load: late, never early).
 *
 * Only `loadGroup` changes: it is what a tick decides on. Everything else passes through.
 */
export function leaseLiveness(
  store: Store,
  clock: Clock,
  deadAfter: number,
  /** The nodes whose lease lives now, when the store keeps records apart from the leases (the etcd store's alive/ keys). */
  alive?: (group: string) => Promise<ReadonlySet<string>>,
): Store {
  const seen = new Map<string, NodeView>();
  const refold = (state: GroupState, live: ReadonlySet<string> | undefined): GroupState => {
    const now = clock.now();
    const nodes = new Map<string, NodeRecord>();
    for (const [id, record] of state.nodes) {
      if (live && !live.has(id)) continue;
      const v = record.view;
      const view = foldHeartbeat(
        seen.get(id),
        id,
        {
          bootId: v.bootId ?? '',
          checks: Object.fromEntries(
            Object.entries(v.checks).map(([name, c]) => [
              name,
              { ok: c.ok, ...(c.detail === undefined ? {} : { detail: c.detail }) },
            ]),
          ),
          held: v.held,
          ...(v.applied ? { applied: v.applied } : {}),
          leaving: v.leaving,
          ...(v.configDigest === undefined ? {} : { configDigest: v.configDigest }),
        },
        now,
        deadAfter,
      );
      seen.set(id, view);
      nodes.set(id, { ...record, view });
    }
    // A record gone is a lease ended: the node starts a new run when it comes back.
    for (const id of [...seen.keys()]) if (!state.nodes.has(id)) seen.delete(id);
    return { ...state, nodes };
  };
  return {
    putHeartbeat: (g, n, r) => store.putHeartbeat(g, n, r),
    loadGroup: async (g) => {
      // Leases after records: a node that died between the two reads is left out now, not a tick later.
      const state = await store.loadGroup(g);
      return refold(state, alive ? await alive(g) : undefined);
    },
    loadNode: (g, n) => store.loadNode(g, n),
    loadAssignments: (g) => store.loadAssignments(g),
    commit: (g, next) => store.commit(g, next),
    appendEvents: (g, e) => store.appendEvents(g, e),
    markTimeline: (g, id, p) => store.markTimeline(g, id, p),
    listEvents: (g, p) => store.listEvents(g, p),
    setDraining: (g, n, d, at) => store.setDraining(g, n, d, at),
    acquireLease: (g, l) => store.acquireLease(g, l),
    releaseLease: (g, o) => store.releaseLease(g, o),
  };
}
