import type { Assignment } from '../../core/decide/types';
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
import { StoreError } from '../../core/ports';
import { errorText, type Log } from '../../lib/log';
import { isNewer } from '../memory-store';
import { readIfPresent, takeLock, writeDurably, type FileLock } from './durable-file';
import { decode, emptyGroup, encode, type GroupData } from './snapshot';

export interface FileStoreOptions {
  /** The state file; its directory must exist. `<file>.lock` and `<file>.tmp` sit beside it. */
  path: string;
  log: Log;
  /** Events kept per group (oldest dropped): the whole file is rewritten on each change. Default 2000. */
  maxEvents?: number;
  /** A file larger than this is refused as not ours. Default 64 MiB. */
  maxBytes?: number;
  now?: () => number;
}

/**
 * The Store in one file, for a local control plane whose drains, pins, assignments and events
 * must survive a restart. The state lives in memory and every check-and-write runs in one
 * synchronous stretch (atomic, as in the memory store); each change is then written whole to the
 * file (temp, fsync, rename) before the call returns. Writes are coalesced: while one is under way,
 * the changes that arrive wait for the next, which carries them all.
 *
 * Heartbeat records are the exception: putHeartbeat does not wait for the disk (heartbeats come
 * every second per node, and a lost record costs nothing — the next heartbeat rewrites it).
 *
 * A write that fails throws StoreError('transient') to the caller whose change it carried; the
 * change stays in memory (like a DynamoDB write whose answer was lost) and the next write retries.
 * One writer per file: `open` takes `<file>.lock`, and `close` gives it back.
 */
export class FileStore implements Store {
  private writing = false;
  private waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  private constructor(
    private readonly opts: FileStoreOptions,
    private readonly groups: Map<string, GroupData>,
    private readonly lock: FileLock,
    private readonly maxEvents: number,
  ) {}

  /** Takes the lock, then reads the file (absent: an empty store); a file it cannot read is refused. */
  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const lock = await takeLock(opts.path, (opts.now ?? Date.now)(), (msg) => opts.log.warn(msg));
    try {
      const text = await readIfPresent(opts.path, opts.maxBytes ?? 64 * 1024 * 1024);
      const groups = text === undefined ? new Map<string, GroupData>() : decode(opts.path, text);
      opts.log.info('file store opened', { path: opts.path, groups: groups.size, existed: text !== undefined });
      return new FileStore(opts, groups, lock, opts.maxEvents ?? 2000);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Waits for the last write, then gives the lock back. The store refuses calls afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.lock.release();
  }

  /** Resolves once everything changed so far is on disk (or its write failed, which was logged). */
  async flush(): Promise<void> {
    if (!this.writing && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private data(group: string): GroupData {
    if (this.closed) throw new StoreError('invalid', `${this.opts.path}: the file store is closed`);
    let g = this.groups.get(group);
    if (!g) {
      g = emptyGroup();
      this.groups.set(group, g);
    }
    return g;
  }

  /** Schedules a write of the whole state as it is now, resolving when it is on disk. */
  private persist(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.writeNext();
    });
  }

  private writeNext(): void {
    if (this.writing) return;
    const batch = this.waiting;
    if (batch.length === 0) {
      for (const idle of this.idleWaiters.splice(0)) idle();
      return;
    }
    this.waiting = [];
    this.writing = true;
    // The snapshot is taken now: it holds every change whose caller is in this batch.
    const text = encode(this.groups);
    writeDurably(this.opts.path, text)
      .then(
        () => batch.forEach((w) => w.resolve()),
        (err: unknown) => {
          this.opts.log.error('file store write failed', { path: this.opts.path, error: errorText(err) });
          const e = new StoreError('transient', `could not write ${this.opts.path}: ${errorText(err)}`, { cause: err });
          batch.forEach((w) => w.reject(e));
        },
      )
      .finally(() => {
        this.writing = false;
        this.writeNext();
      });
  }

  async putHeartbeat(group: string, node: string, record: NodeRecord): Promise<PutHeartbeatResult> {
    const g = this.data(group);
    const stored = g.nodes.get(node)?.guard;
    if (!isNewer(stored, record.guard)) {
      return {
        ok: false,
        reason: 'replayed',
        message: `${node}: heartbeat ${record.guard.bootId}/${record.guard.seq} is not newer than ${stored!.bootId}/${stored!.seq}`,
      };
    }
    g.nodes.set(node, structuredClone(record));
    // Not awaited (see the class comment); a failure is logged by the writer.
    this.persist().catch(() => {});
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
    const version = g.version;
    await this.persist();
    return { ok: true, version };
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
    await this.persist();
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
    await this.persist();
  }

  async listEvents(
    group: string,
    page: { limit?: number; before?: string } = {},
  ): Promise<{ events: ControlEvent[]; next?: string }> {
    const g = this.data(group);
    const limit = Math.max(1, Math.min(page.limit ?? 50, 1000));
    const ids = [...g.events.keys()].sort().reverse();
    const from = page.before === undefined ? 0 : ids.findIndex((id) => id < page.before!);
    const slice = from < 0 ? [] : ids.slice(from, from + limit);
    const events = slice.map((id) => structuredClone(g.events.get(id)!));
    const more = from >= 0 && from + limit < ids.length;
    return more ? { events, next: slice[slice.length - 1]! } : { events };
  }

  async setDraining(group: string, node: string, draining: boolean, _at?: number): Promise<void> {
    const g = this.data(group);
    if (draining) g.draining.add(node);
    else g.draining.delete(node);
    await this.persist();
  }

  async acquireLease(group: string, lease: { owner: string; ttlMs: number; now: number }): Promise<LeaseResult> {
    const g = this.data(group);
    const held = g.lease;
    if (held && held.owner !== lease.owner && held.expiresAt > lease.now)
      return { ok: false, holder: held.owner, expiresAt: held.expiresAt };
    g.lease = { owner: lease.owner, expiresAt: lease.now + lease.ttlMs };
    const expiresAt = g.lease.expiresAt;
    // Kept in memory only (snapshot.ts): one process holds the file, and the lease only saves work.
    return { ok: true, expiresAt };
  }

  async releaseLease(group: string, owner: string): Promise<void> {
    const g = this.data(group);
    if (g.lease?.owner === owner) delete g.lease;
  }
}
