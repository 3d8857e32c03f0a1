import type { Config } from '../config/model';
import type { NodeView } from '../decide/types';
import type { WitnessRing } from './ring';

/** What a witness last reported of one node it watches, on the control plane's clock. */
export interface WatchState {
  heard: boolean;
  /** heard: since when it has heard the node without a break; silent: when it last heard it. */
  since: number;
}

/** What the judge needs of a node: its own reports (folded) and what it says of the nodes it watches. */
export interface WitnessedRecord {
  view: NodeView;
  watch?: Readonly<Record<string, WatchState>>;
}

export interface Judgement {
  alive: boolean;
  /** reports: judged by its own reports alone; witnesses: by its ring witnesses. */
  by: 'reports' | 'witnesses';
  /** The witnesses whose word counted, and those of them that found the node silent. */
  voters: string[];
  accusers: string[];
  /** When the node was last known to be up (its last report, or the last time a witness heard it). */
  lastHeard: number | null;
}

export interface WitnessInput {
  config: Config;
  ring: WitnessRing;
  records: ReadonlyMap<string, WitnessedRecord>;
  now: number;
}

/**
 * How long the control plane waits for a node's own reports before it is dead whatever its
 * witnesses say: two keepalives (one may be lost and retried) and deadAfter.
 */
export function reportDeadline(config: Config): number {
  const keepalive =
    config.control.mode === 'peer' || config.control.mode === 'etcd'
      ? config.timers.deadAfter
      : config.control.witness.keepalive;
  return 2 * keepalive + config.timers.deadAfter;
}

/**
 * Witnessed liveness (docs/control-plane.md). A node is dead when its own reports stop for the
 * report deadline, or when a majority of its witnesses that count find it silent. A witness counts
 * when its reports are fresh, it is not itself judged dead, and it sits in the majority component:
 * the largest set of fresh nodes linked by "heard" reports, if it holds more than half of all
 * nodes. A node cut off from its peers (while it still reaches the control plane) links to no one,
 * so its word counts for nothing; and where no side holds a majority — two nodes that cannot hear
 * each other — no witness's word counts, and both keep their addresses.
 */
export function judgeWitnessed(input: WitnessInput): Map<string, Judgement> {
  const { config, ring, records, now } = input;
  const deadline = reportDeadline(config);
  const fresh = new Set(
    [...records]
      .filter(([, r]) => !r.view.leaving && r.view.lastSeen !== null && now - r.view.lastSeen <= deadline)
      .map(([id]) => id),
  );
  const majority = majorityComponent(config, ring, records, fresh);
  let silenced = new Map<string, Judgement>();
  // A witness judged dead in one round does not vote in the next; a few rounds settle it (each
  // round can only use what the previous one decided, so the count is bounded, not iterated to a fixpoint).
  for (let round = 0; round < 3; round++) {
    const next = new Map<string, Judgement>();
    for (const id of fresh) {
      const j = byWitnesses(id, ring, records, majority, silenced);
      if (j && !j.alive) next.set(id, j);
    }
    const same = next.size === silenced.size && [...next.keys()].every((id) => silenced.has(id));
    silenced = next;
    if (same) break;
  }
  const out = new Map<string, Judgement>();
  for (const [id, r] of records) {
    const voted = silenced.get(id) ?? (fresh.has(id) ? byWitnesses(id, ring, records, majority, silenced) : undefined);
    if (voted) out.set(id, voted);
    else out.set(id, { alive: fresh.has(id), by: 'reports', voters: [], accusers: [], lastHeard: r.view.lastSeen });
  }
  return out;
}

/** The views decide() takes: alive nodes seen now, nodes found silent by their witnesses seen when last heard. */
export function witnessedViews(input: WitnessInput): NodeView[] {
  const judged = judgeWitnessed(input);
  const { now, records, config } = input;
  return [...records].map(([id, r]) => {
    const j = judged.get(id)!;
    if (!j.alive) {
      if (j.by === 'reports') return r.view;
      // Older than deadAfter in any case: the witnesses' verdict is what makes it dead.
      return { ...r.view, lastSeen: Math.min(j.lastHeard ?? 0, now - config.timers.deadAfter - 1) };
    }
    const heardSince = j.voters
      .map((w) => records.get(w)?.watch?.[id])
      .filter((s): s is WatchState => !!s?.heard)
      .map((s) => s.since);
    const aliveSince =
      heardSince.length === 0 ? r.view.aliveSince : Math.max(r.view.aliveSince ?? 0, Math.min(...heardSince));
    return { ...r.view, lastSeen: now, aliveSince };
  });
}

function byWitnesses(
  id: string,
  ring: WitnessRing,
  records: ReadonlyMap<string, WitnessedRecord>,
  majority: ReadonlySet<string>,
  silenced: ReadonlyMap<string, Judgement>,
): Judgement | undefined {
  const voters = ring
    .witnessesOf(id)
    .filter((w) => majority.has(w) && !silenced.has(w) && records.get(w)?.watch?.[id] !== undefined);
  if (voters.length === 0) return undefined;
  const accusers = voters.filter((w) => !records.get(w)!.watch![id]!.heard);
  const dead = accusers.length >= Math.floor(voters.length / 2) + 1;
  const lastHeard = dead
    ? Math.max(...accusers.map((w) => records.get(w)!.watch![id]!.since))
    : (records.get(id)?.view.lastSeen ?? null);
  return { alive: !dead, by: 'witnesses', voters, accusers, lastHeard };
}

/** The largest set of fresh nodes linked by "heard" reports, when it holds more than half of all nodes. */
function majorityComponent(
  config: Config,
  ring: WitnessRing,
  records: ReadonlyMap<string, WitnessedRecord>,
  fresh: ReadonlySet<string>,
): Set<string> {
  const parent = new Map([...fresh].map((id) => [id, id]));
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const w of fresh) {
    for (const [x, s] of Object.entries(records.get(w)?.watch ?? {})) {
      if (s.heard && fresh.has(x) && ring.watches(w, x)) parent.set(find(w), find(x));
    }
  }
  const groups = new Map<string, string[]>();
  for (const id of fresh) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  const largest = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return largest.length * 2 > config.nodes.length ? new Set(largest) : new Set();
}
