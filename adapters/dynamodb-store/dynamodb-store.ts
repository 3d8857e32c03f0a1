import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Assignment, NodeView } from '../../core/decide/types';
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
import { ChunkedAssignments, type Meta } from './chunks';
import { isConditionFailed, storeError } from './errors';
import { EventItems } from './events';
import { drainSk, groupPk, nodeSk } from './keys';
import { acquireLease, releaseLease } from './lease';

export interface DynamoDbStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** Chunks per group for new groups (kept in #META afterwards). Default 64: ~160 VIPs each at 10,240. */
  chunks?: number;
  /** How long events are kept (TTL). Default 30 days. */
  eventTtlDays?: number;
  /** Told about housekeeping that failed (it is retried by later commits, never fatal). */
  onHousekeepingError?: (err: unknown) => void;
  /** For chunk retirement times; default Date.now. */
  now?: () => number;
}

/**
 * The Store on one DynamoDB table (layout in keys.ts, commit protocol in chunks.ts).
 * Heartbeat records are written with the replay rule as their condition; the lease is a
 * conditional put with an expiry (the Powertools idempotency / lock pattern).
 */
export class DynamoDbStore implements Store {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly assignments: ChunkedAssignments;
  private readonly events: EventItems;
  private readonly metas = new Map<string, Meta>();
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly opts: DynamoDbStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(opts.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = opts.table;
    this.assignments = new ChunkedAssignments(this.doc, this.table, Math.max(1, Math.min(opts.chunks ?? 64, 256)));
    this.events = new EventItems(this.doc, this.table, Math.round((opts.eventTtlDays ?? 30) * 86_400));
    this.now = opts.now ?? Date.now;
  }

  async putHeartbeat(group: string, node: string, record: NodeRecord): Promise<PutHeartbeatResult> {
    const { bootId, seq, sentAt } = record.guard;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: groupPk(group),
            sk: nodeSk(node),
            bootId,
            seq,
            sentAt,
            view: JSON.stringify(record.view),
            applied: JSON.stringify(record.applied),
            ...(record.watch ? { watch: JSON.stringify(record.watch) } : {}),
          },
          // The verifier's replay rule again, at write time: two copies of one heartbeat that both
          // passed verification against the same stored guard cannot both land.
          ConditionExpression:
            'attribute_not_exists(sk) OR (bootId = :b AND seq < :s) OR (bootId <> :b AND sentAt < :t)',
          ExpressionAttributeValues: { ':b': bootId, ':s': seq, ':t': sentAt },
        }),
      );
      return { ok: true };
    } catch (err) {
      if (isConditionFailed(err))
        return {
          ok: false,
          reason: 'replayed',
          message: `${node}: heartbeat ${bootId}/${seq} is not newer than the stored one`,
        };
      throw storeError(`PutItem heartbeat ${node}`, err);
    }
  }

  async loadGroup(group: string): Promise<GroupState> {
    // The root first, then the chunks it names: they exist and never change, so the assignments
    // are one consistent snapshot. Node records are independent of it and read alongside.
    const nodes = this.readNodes(group);
    nodes.catch(() => undefined);
    const meta = await this.assignments.readMeta(group);
    this.metas.set(group, meta);
    const [assignments, rest] = await Promise.all([this.assignments.read(group, meta), nodes]);
    return { group, version: meta.version, assignments, ...rest };
  }

  private async readNodes(group: string): Promise<Pick<GroupState, 'nodes' | 'draining'>> {
    const nodes = new Map<string, NodeRecord>();
    const draining = new Set<string>();
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < 1000; page++) {
      let r;
      try {
        r = await this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': groupPk(group), ':from': 'D#', ':to': 'N#\uffff' },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
      } catch (err) {
        throw storeError('Query nodes', err);
      }
      for (const item of r.Items ?? []) {
        const sk = String(item.sk);
        if (sk.startsWith('D#')) draining.add(sk.slice(2));
        else if (sk.startsWith('N#')) nodes.set(sk.slice(2), nodeRecordOf(item));
      }
      start = r.LastEvaluatedKey;
      if (!start) break;
    }
    return { nodes, draining };
  }

  async loadNode(group: string, node: string): Promise<NodeState> {
    const keys = [
      { pk: groupPk(group), sk: nodeSk(node) },
      { pk: groupPk(group), sk: drainSk(node) },
    ];
    let items: Array<Record<string, unknown>> = [];
    let pending: typeof keys | undefined = keys;
    // BatchGetItem may leave keys unprocessed under throttling: ask again for those, a few times.
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt >= 5)
        throw storeError(`BatchGetItem node ${node}`, new Error('keys still unprocessed after 5 attempts'));
      try {
        const r = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
        );
        items = [...items, ...(r.Responses?.[this.table] ?? [])];
        pending = r.UnprocessedKeys?.[this.table]?.Keys as typeof keys | undefined;
      } catch (err) {
        throw storeError(`BatchGetItem node ${node}`, err);
      }
    }
    const record = items.find((i) => String(i.sk).startsWith('N#'));
    return {
      ...(record ? { record: nodeRecordOf(record) } : {}),
      draining: items.some((i) => String(i.sk).startsWith('D#')),
    };
  }

  async loadAssignments(group: string): Promise<Pick<GroupState, 'version' | 'assignments'>> {
    const meta = await this.assignments.readMeta(group);
    this.metas.set(group, meta);
    return { version: meta.version, assignments: await this.assignments.read(group, meta) };
  }

  async commit(
    group: string,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
  ): Promise<CommitResult> {
    let meta = this.metas.get(group);
    if (!meta || meta.version !== next.expectedVersion) meta = await this.assignments.readMeta(group);
    const { result, housekeeping } = await this.assignments.commit(group, meta, next, this.now());
    if (result.ok) this.metas.delete(group);
    this.track(housekeeping);
    return result;
  }

  /** Waits for housekeeping started by earlier commits (Lambda handlers call it before returning). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err: unknown) => this.opts.onHousekeepingError?.(err))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
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
    const Key = { pk: groupPk(group), sk: drainSk(node) };
    try {
      if (draining) await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...Key, at } }));
      else await this.doc.send(new DeleteCommand({ TableName: this.table, Key }));
    } catch (err) {
      throw storeError(`${draining ? 'PutItem' : 'DeleteItem'} drain ${node}`, err);
    }
  }

  acquireLease(group: string, lease: { owner: string; ttlMs: number; now: number }): Promise<LeaseResult> {
    return acquireLease(this.doc, this.table, group, lease);
  }

  releaseLease(group: string, owner: string): Promise<void> {
    return releaseLease(this.doc, this.table, group, owner);
  }
}

function nodeRecordOf(item: Record<string, unknown>): NodeRecord {
  return {
    view: JSON.parse(String(item.view)) as NodeView,
    guard: { bootId: String(item.bootId), seq: Number(item.seq), sentAt: Number(item.sentAt) },
    applied: JSON.parse(String(item.applied ?? '{}')) as Record<string, number>,
    ...(item.watch === undefined ? {} : { watch: JSON.parse(String(item.watch)) as NonNullable<NodeRecord['watch']> }),
  };
}
