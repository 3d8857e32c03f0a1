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
import type { Assignment } from '../../core/decide/types';
import { isNewer } from '../memory-store';
import { ChunkedAssignments } from './assignments';
import { casUpdate } from './cas';
import { prefixEnd, type EtcdClient, type KeyValue } from './client';
import { EventKeys } from './events';
import { Keys, nameUnder } from './keys';
import { asNodeRecord, decode, drainSchema, nodeRecordSchema, tickLeaseSchema } from './values';

export interface EtcdStoreOptions {
  client: EtcdClient;
  /** Key prefix, starting and ending with "/" (default /ipferry/): keys are <prefix><group>/…. */
  prefix?: string;
  /** Chunks per group for new groups (kept in the root afterwards), 1-127. Default 64. */
  chunks?: number;
  /** Events kept per group; beyond it the oldest are deleted. Default 10,000. */
  maxEvents?: number;
  /** The largest transaction the store sends (etcd's --max-request-bytes less room for framing). */
  maxRequestBytes?: number;
}

/**
 * The Store on etcd v3. Commits are one transaction comparing the assignments root's mod revision
 * (assignments.ts); heartbeat records, events, the tick lease are compare-and-set on each key's mod
 * revision (cas.ts), with the same rules as the memory and DynamoDB stores. Every value read back
 * is validated (values.ts). Keys: keys.ts.
 */
export class EtcdStore implements Store {
  private readonly client: EtcdClient;
  readonly keys: Keys;
  private readonly assignments: ChunkedAssignments;
  private readonly events: EventKeys;

  constructor(opts: EtcdStoreOptions) {
    this.client = opts.client;
    this.keys = new Keys(opts.prefix);
    const chunks = Math.max(1, Math.min(opts.chunks ?? 64, 127));
    this.assignments = new ChunkedAssignments(this.client, this.keys, chunks, opts.maxRequestBytes ?? 1_500_000);
    this.events = new EventKeys(this.client, this.keys, Math.max(1, opts.maxEvents ?? 10_000));
  }

  async putHeartbeat(group: string, node: string, record: NodeRecord): Promise<PutHeartbeatResult> {
    const key = this.keys.node(group, node);
    return casUpdate<PutHeartbeatResult>(this.client, key, `put heartbeat of ${node}`, (current) => {
      const stored = current ? asNodeRecord(decode(key, current.value, nodeRecordSchema)).guard : undefined;
      if (!isNewer(stored, record.guard))
        return {
          result: {
            ok: false,
            reason: 'replayed',
            message: `${node}: heartbeat ${record.guard.bootId}/${record.guard.seq} is not newer than the stored one`,
          },
        };
      return { result: { ok: true }, put: { value: JSON.stringify(record) } };
    });
  }

  async loadGroup(group: string): Promise<GroupState> {
    // One transaction of three ranges: assignments, records and drain flags at one revision.
    const nodes = this.keys.nodes(group);
    const drains = this.keys.drains(group);
    const r = await this.client.txn(
      {
        compare: [],
        success: [
          { range: this.assignments.rangeOf(group) },
          { range: { key: nodes, end: prefixEnd(nodes) } },
          { range: { key: drains, end: prefixEnd(drains) } },
        ],
      },
      `load group ${group}`,
    );
    const [a, n, d] = r.results;
    const snapshot = this.assignments.decode(group, a?.kvs ?? []);
    return {
      group,
      version: snapshot.version,
      assignments: snapshot.assignments,
      nodes: new Map((n?.kvs ?? []).map((kv) => [nameUnder(nodes, kv.key), this.record(kv)])),
      draining: new Set((d?.kvs ?? []).map((kv) => this.drainedNode(drains, kv))),
    };
  }

  async loadNode(group: string, node: string): Promise<NodeState> {
    const r = await this.client.txn(
      {
        compare: [],
        success: [{ range: { key: this.keys.node(group, node) } }, { range: { key: this.keys.drain(group, node) } }],
      },
      `load node ${node} of ${group}`,
    );
    const record = r.results[0]?.kvs[0];
    const drain = r.results[1]?.kvs[0];
    if (drain) decode(drain.key, drain.value, drainSchema);
    return { ...(record ? { record: this.record(record) } : {}), draining: !!drain };
  }

  async loadAssignments(group: string): Promise<Pick<GroupState, 'version' | 'assignments'>> {
    const s = await this.assignments.read(group);
    return { version: s.version, assignments: s.assignments };
  }

  commit(
    group: string,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
  ): Promise<CommitResult> {
    return this.assignments.commit(group, next);
  }

  appendEvents(group: string, events: readonly ControlEvent[]): Promise<void> {
    return this.events.append(group, events);
  }

  markTimeline(group: string, eventId: string, patch: Partial<FailoverTimeline>): Promise<void> {
    return this.events.mark(group, eventId, patch);
  }

  listEvents(
    group: string,
    page: { limit?: number; before?: string } = {},
  ): Promise<{ events: ControlEvent[]; next?: string }> {
    return this.events.list(group, page);
  }

  async setDraining(group: string, node: string, draining: boolean, at: number): Promise<void> {
    const key = this.keys.drain(group, node);
    await this.client.txn(
      { compare: [], success: [draining ? { put: { key, value: JSON.stringify({ at }) } } : { delete: { key } }] },
      `${draining ? 'set' : 'clear'} drain flag of ${node}`,
    );
  }

  /** Taken when free, expired or already ours (compare-and-set on the lease key); times are the caller's clock. */
  acquireLease(group: string, lease: { owner: string; ttlMs: number; now: number }): Promise<LeaseResult> {
    const key = this.keys.tickLease(group);
    return casUpdate<LeaseResult>(this.client, key, `acquire tick lease of ${group}`, (current) => {
      const held = current ? decode(key, current.value, tickLeaseSchema) : undefined;
      if (held && held.owner !== lease.owner && held.expiresAt > lease.now)
        return { result: { ok: false, holder: held.owner, expiresAt: held.expiresAt } };
      const expiresAt = lease.now + lease.ttlMs;
      return { result: { ok: true, expiresAt }, put: { value: JSON.stringify({ owner: lease.owner, expiresAt }) } };
    });
  }

  async releaseLease(group: string, owner: string): Promise<void> {
    const key = this.keys.tickLease(group);
    await casUpdate(this.client, key, `release tick lease of ${group}`, (current) => {
      const held = current ? decode(key, current.value, tickLeaseSchema) : undefined;
      return held?.owner === owner ? { result: undefined, delete: true } : { result: undefined };
    });
  }

  private record(kv: KeyValue): NodeRecord {
    return asNodeRecord(decode(kv.key, kv.value, nodeRecordSchema));
  }

  private drainedNode(prefix: string, kv: KeyValue): string {
    decode(kv.key, kv.value, drainSchema);
    return nameUnder(prefix, kv.key);
  }
}
