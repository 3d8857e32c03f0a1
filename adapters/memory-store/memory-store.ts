import type { Assignment } from '../../core/decide/types';
import type { ReplayGuard } from '../../core/heartbeat';
import type {
  CommitResult,
  ControlEvent,
  FailoverTimeline,
  GroupState,
  LeaseResult,
  NodeRecord,
  NodeState,
  PutHeartbeatResult,
  Store,
} from '../../core/ports';
import { emptyGroup, type GroupData } from './group-data';

/**
 * The Store in one process's memory, for the local control plane and tests. Every check-and-write
 * runs in one synchronous stretch, so it is atomic the way DynamoDB's conditional writes are; values
 * are copied in and out, so no caller can change stored state behind the store's back.
 * Events are capped (oldest dropped) where DynamoDB would expire them by TTL.
 *
 * The file store keeps its state in one of these: it hands in the groups read from its file (and
 * keeps that map to write out), and writes a snapshot whenever `changes` moved.
 */
export class MemoryStore implements Store {
  private readonly groups: Map<string, GroupData>;
  private readonly maxEvents: number;
  private changeCount = 0;

  /** `groups`, if given, is used as the store's state (not copied). */
  constructor(opts: { maxEvents?: number; groups?: Map<string, GroupData> } = {}) {
    this.maxEvents = opts.maxEvents ?? 10_000;
    this.groups = opts.groups ?? new Map();
  }

  /** Counts the calls that changed stored state (the tick lease included). */
  get changes(): number {
    return this.changeCount;
  }

  private data(group: string): GroupData {
    let g = this.groups.get(group);
    if (!g) {
      g = emptyGroup();
      this.groups.set(group, g);
    }
    return g;
  }

  async putHeartbeat(group: string, node: string, record: NodeRecord): Promise<PutHeartbeatResult> {
    const g = this.data(group);
    const stored = g.nodes.get(node)?.guard;
    if (!isNewer(stored, record.guard)) {
      return {
        ok: false,
        reason: 'replayed',
        message: `${node}: heartbeat ${describe(record.guard)} is not newer than ${describe(stored!)}`,
      };
    }
    g.nodes.set(node, structuredClone(record));
    this.changeCount += 1;
    return { ok: true };
  }

  async loadGroup(group: string): Promise<GroupState> {
    const g = this.data(group);
    return structuredClone({
      group,
      version: g.version,
      assignments: [...g.assignments.values()],
      nodes: g.nodes,
      draining: g.draining,
    });
  }

  async loadNode(group: string, node: string): Promise<NodeState> {
    const g = this.data(group);
    const record = g.nodes.get(node);
    return { ...(record ? { record: structuredClone(record) } : {}), draining: g.draining.has(node) };
  }

  async loadAssignments(group: string): Promise<Pick<GroupState, 'version' | 'assignments'>> {
    const g = this.data(group);
    return { version: g.version, assignments: structuredClone([...g.assignments.values()]) };
  }

  async commit(
    group: string,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
  ): Promise<CommitResult> {
    const g = this.data(group);
    if (g.version !== next.expectedVersion) return { ok: false, reason: 'conflict', currentVersion: g.version };
    const byVip = new Map(next.assignments.map((a) => [a.vip, a]));
    for (const vip of next.changed) {
      const a = byVip.get(vip);
      if (a) g.assignments.set(vip, structuredClone(a));
      else g.assignments.delete(vip);
    }
    g.version += 1;
    this.changeCount += 1;
    return { ok: true, version: g.version };
  }

  async appendEvents(group: string, events: readonly ControlEvent[]): Promise<void> {
    const g = this.data(group);
    for (const e of events) {
      const prev = g.events.get(e.id);
      const timeline = prev?.timeline || e.timeline ? { ...prev?.timeline, ...e.timeline } : undefined;
      g.events.set(e.id, structuredClone({ ...prev, ...e, ...(timeline ? { timeline } : {}) }));
    }
    if (g.events.size > this.maxEvents) {
      const ids = [...g.events.keys()].sort();
      for (const id of ids.slice(0, g.events.size - this.maxEvents)) g.events.delete(id);
    }
    if (events.length > 0) this.changeCount += 1;
  }

  async markTimeline(group: string, eventId: string, patch: Partial<FailoverTimeline>): Promise<void> {
    const e = this.data(group).events.get(eventId);
    if (!e) return;
    const timeline: FailoverTimeline = { ...e.timeline };
    let changed = false;
    for (const [k, v] of Object.entries(patch) as Array<[keyof FailoverTimeline, number]>)
      if (timeline[k] === undefined) {
        timeline[k] = v;
        changed = true;
      }
    if (!changed) return;
    e.timeline = timeline;
    this.changeCount += 1;
  }

  async listEvents(
    group: string,
    page: { limit?: number; before?: string } = {},
  ): Promise<{ events: ControlEvent[]; next?: string }> {
    const limit = Math.max(1, Math.min(page.limit ?? 50, 1000));
    const ids = [...this.data(group).events.keys()].sort().reverse();
    const from = page.before === undefined ? 0 : ids.findIndex((id) => id < page.before!);
    const slice = from < 0 ? [] : ids.slice(from, from + limit);
    const events = slice.map((id) => structuredClone(this.data(group).events.get(id)!));
    const more = from >= 0 && from + limit < ids.length;
    return more ? { events, next: slice[slice.length - 1]! } : { events };
  }

  async setDraining(group: string, node: string, draining: boolean): Promise<void> {
    const g = this.data(group);
    if (draining) g.draining.add(node);
    else g.draining.delete(node);
    this.changeCount += 1;
  }

  async acquireLease(group: string, lease: { owner: string; ttlMs: number; now: number }): Promise<LeaseResult> {
    const g = this.data(group);
    const held = g.lease;
    if (held && held.owner !== lease.owner && held.expiresAt > lease.now)
      return { ok: false, holder: held.owner, expiresAt: held.expiresAt };
    g.lease = { owner: lease.owner, expiresAt: lease.now + lease.ttlMs };
    this.changeCount += 1;
    return { ok: true, expiresAt: g.lease.expiresAt };
  }

  async releaseLease(group: string, owner: string): Promise<void> {
    const g = this.data(group);
    if (g.lease?.owner !== owner) return;
    delete g.lease;
    this.changeCount += 1;
  }
}

/** The verifier's replay rule, applied again at write time: same boot → higher seq; new boot → later sentAt. */
export function isNewer(stored: ReplayGuard | undefined, g: ReplayGuard): boolean {
  if (!stored) return true;
  return stored.bootId === g.bootId ? g.seq > stored.seq : g.sentAt > stored.sentAt;
}

function describe(g: ReplayGuard): string {
  return `${g.bootId}/${g.seq}@${g.sentAt}`;
}
