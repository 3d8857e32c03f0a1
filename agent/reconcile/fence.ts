/** One assignment from an answer: this node owns `vip` at `epoch`. */
export interface Assignment {
  vip: string;
  epoch: number;
}

export interface Accepted {
  /** What this node owns now, by VIP: the answer's assignments that passed the fence. */
  owned: Map<string, number>;
  /** Assignments older than one already applied: ignored, the VIP keeps its previous state. */
  fenced: Array<{ vip: string; epoch: number; applied: number }>;
  /** VIPs the config does not know (a control plane on another config): ignored. */
  unknown: string[];
}

/**
 * Epochs are fencing tokens: an assignment older than one this agent has applied for the same VIP
 * comes from a stale answer (a store that went back in time, a delayed datagram in peer mode) and
 * is not applied. Equal epochs are applied: it is the same assignment, e.g. after a release on
 * control loss. A fenced VIP keeps whatever this node owned before, so stale news changes nothing.
 */
export function acceptAssignments(
  previous: ReadonlyMap<string, number>,
  fence: ReadonlyMap<string, number>,
  assignments: readonly Assignment[],
  known: ReadonlySet<string>,
): Accepted {
  const owned = new Map<string, number>();
  const fenced: Accepted['fenced'] = [];
  const unknown: string[] = [];
  for (const { vip, epoch } of assignments) {
    if (!known.has(vip)) {
      unknown.push(vip);
      continue;
    }
    const applied = fence.get(vip);
    if (applied !== undefined && epoch < applied) {
      fenced.push({ vip, epoch, applied });
      const before = previous.get(vip);
      if (before !== undefined) owned.set(vip, before);
      continue;
    }
    owned.set(vip, epoch);
  }
  return { owned, fenced, unknown };
}
