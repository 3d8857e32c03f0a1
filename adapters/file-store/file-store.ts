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
import { MemoryStore, type GroupData } from '../memory-store';
import { readIfPresent, takeLock, writeDurably, type FileLock } from './durable-file';
import { decode, encode } from './snapshot';

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
 * must survive a restart. The state and every check-and-write are a MemoryStore's (atomic, the same
 * rules); a call that changed the state then has it written whole to the file (temp, fsync,
 * rename) before it returns. Writes are coalesced: while one is under way,
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
    /** The memory store's state itself (handed to it, not copied): what each write snapshots. */
    private readonly groups: Map<string, GroupData>,
    private readonly lock: FileLock,
    private readonly mem: MemoryStore,
  ) {}

  /** Takes the lock, then reads the file (absent: an empty store); a file it cannot read is refused. */
  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const lock = await takeLock(opts.path, (opts.now ?? Date.now)(), (msg) => opts.log.warn(msg));
    try {
      const text = await readIfPresent(opts.path, opts.maxBytes ?? 64 * 1024 * 1024);
      const groups = text === undefined ? new Map<string, GroupData>() : decode(opts.path, text);
      opts.log.info('file store opened', { path: opts.path, groups: groups.size, existed: text !== undefined });
      const mem = new MemoryStore({ groups, maxEvents: opts.maxEvents ?? 2000 });
      return new FileStore(opts, groups, lock, mem);
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

  /** The memory store, while this store is open. */
  private state(): MemoryStore {
    if (this.closed) throw new StoreError('invalid', `${this.opts.path}: the file store is closed`);
    return this.mem;
  }

  /** Runs a change on the memory store, then waits for it to be on disk if it changed anything. */
  private async change<T>(apply: (mem: MemoryStore) => Promise<T>): Promise<T> {
    const mem = this.state();
    const before = mem.changes;
    const result = await apply(mem);
    if (mem.changes !== before) await this.persist();
    return result;
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
    const mem = this.state();
    const before = mem.changes;
    const result = await mem.putHeartbeat(group, node, record);
    // Not awaited (see the class comment); a failure is logged by the writer.
    if (mem.changes !== before) this.persist().catch(() => {});
    return result;
  }

  async loadGroup(group: string): Promise<GroupState> {
    return this.state().loadGroup(group);
  }

  async loadNode(group: string, node: string): Promise<NodeState> {
    return this.state().loadNode(group, node);
  }

  async loadAssignments(group: string): Promise<Pick<GroupState, 'version' | 'assignments'>> {
    return this.state().loadAssignments(group);
  }

  async commit(
    group: string,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
  ): Promise<CommitResult> {
    return this.change((mem) => mem.commit(group, next));
  }

  async appendEvents(group: string, events: readonly ControlEvent[]): Promise<void> {
    return this.change((mem) => mem.appendEvents(group, events));
  }

  async markTimeline(group: string, eventId: string, patch: Partial<FailoverTimeline>): Promise<void> {
    return this.change((mem) => mem.markTimeline(group, eventId, patch));
  }

  async listEvents(
    group: string,
    page?: { limit?: number; before?: string },
  ): Promise<{ events: ControlEvent[]; next?: string }> {
    return this.state().listEvents(group, page);
  }

  async setDraining(group: string, node: string, draining: boolean, _at?: number): Promise<void> {
    return this.change((mem) => mem.setDraining(group, node, draining));
  }

  // The tick lease is kept in memory only (snapshot.ts): one process holds the file, and the lease only saves work.
  async acquireLease(group: string, lease: { owner: string; ttlMs: number; now: number }): Promise<LeaseResult> {
    return this.state().acquireLease(group, lease);
  }

  async releaseLease(group: string, owner: string): Promise<void> {
    return this.state().releaseLease(group, owner);
  }
}
