import { randomBytes } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Assignment } from '../../core/decide/types';
import { StoreError, type CommitResult } from '../../core/ports';
import { isConditionFailed, storeError } from './errors';
import { chunkOf, chunkSk, groupPk, META_SK, parseChunkSk, TTL_ATTRIBUTE } from './keys';

/**
 * The commit protocol: copy-on-write chunks under one root item.
 *
 * Assignments live in chunk items (a VIP's chunk is a hash of its name); chunk items are never
 * changed once written. The root item `#META` holds the group version and, per chunk, the sort key
 * of its current item. A commit writes the chunks it changes as NEW items (their keys carry the new
 * version and a random writer id, so concurrent committers never collide), then replaces the root
 * with a conditional put on `version = expected`. That one conditional write is the commit point:
 * of two committers that read the same version exactly one succeeds, whatever the number of VIPs,
 * and the loser's chunks are unreferenced garbage that nobody reads. No transaction is needed, so
 * the 100-item / 4 MB limits of TransactWriteItems never bound a failover of 10,240 VIPs.
 *
 * Superseded and orphaned chunks get a TTL (expiresAt) an hour ahead, long after any reader that
 * saw the old root has read them. A chunk is garbage only if its root no longer (or never will)
 * reference it: unreferenced and written for a version <= the current one.
 */

export interface Meta {
  version: number;
  chunkCount: number;
  /** chunk id → sort key of its current item. */
  chunks: Record<string, string>;
}

const RETIRE_AFTER_S = 3600;
/** Far below DynamoDB's 400 KB item limit, leaving room for keys and attribute names. */
const MAX_CHUNK_BYTES = 350_000;

export class ChunkedAssignments {
  /** Chunk items are immutable, so their decoded content can be cached by sort key forever. */
  private readonly cache = new Map<string, Assignment[]>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly defaultChunkCount: number,
  ) {}

  async readMeta(group: string): Promise<Meta> {
    try {
      const r = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk: groupPk(group), sk: META_SK }, ConsistentRead: true }),
      );
      return r.Item ? decodeMeta(r.Item) : { version: 0, chunkCount: this.defaultChunkCount, chunks: {} };
    } catch (err) {
      throw storeError('GetItem #META', err);
    }
  }

  /** The assignments the root references, each chunk read at most once per process. */
  async read(group: string, meta: Meta): Promise<Assignment[]> {
    const refs = Object.values(meta.chunks);
    const missing = refs.filter((sk) => !this.cache.has(sk));
    for (let i = 0; i < missing.length; i += 100) await this.fetch(group, missing.slice(i, i + 100));
    this.prune(new Set(refs));
    return refs.flatMap((sk) => this.cache.get(sk)!).sort((a, b) => (a.vip < b.vip ? -1 : a.vip > b.vip ? 1 : 0));
  }

  private async fetch(group: string, sks: string[]): Promise<void> {
    let keys = sks.map((sk) => ({ pk: groupPk(group), sk }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= 8)
        throw new StoreError(
          'throttled',
          `BatchGetItem left ${keys.length} chunk(s) unprocessed after ${attempt} attempts`,
        );
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      let r;
      try {
        r = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
      } catch (err) {
        throw storeError('BatchGetItem chunks', err);
      }
      for (const item of r.Responses?.[this.table] ?? [])
        this.cache.set(String(item.sk), JSON.parse(String(item.a)) as Assignment[]);
      keys = (r.UnprocessedKeys?.[this.table]?.Keys ?? []) as typeof keys;
    }
    const lost = sks.filter((sk) => !this.cache.has(sk));
    if (lost.length > 0)
      throw new StoreError('transient', `chunk item(s) referenced by #META are missing: ${lost.join(', ')}`);
  }

  private prune(keep: Set<string>): void {
    if (this.cache.size <= keep.size * 4 + 64) return;
    for (const sk of this.cache.keys()) if (!keep.has(sk)) this.cache.delete(sk);
  }

  /**
   * Writes the changed chunks as new items, then moves the root. Returns, besides the result, a
   * promise of the housekeeping (retiring superseded or orphaned chunks) for the caller to await
   * off the critical path.
   */
  async commit(
    group: string,
    meta: Meta,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
    now: number,
  ): Promise<{ result: CommitResult; housekeeping: Promise<void> }> {
    if (meta.version !== next.expectedVersion)
      return {
        result: { ok: false, reason: 'conflict', currentVersion: meta.version },
        housekeeping: Promise.resolve(),
      };
    const version = next.expectedVersion + 1;
    const writer = randomBytes(6).toString('base64url');
    const dirty = new Set(next.changed.map((vip) => chunkOf(vip, meta.chunkCount)));
    const members = new Map<string, Assignment[]>();
    for (const a of next.assignments) {
      const c = chunkOf(a.vip, meta.chunkCount);
      if (dirty.has(c)) members.set(c, [...(members.get(c) ?? []), a]);
    }
    const written: string[] = [];
    const chunks = { ...meta.chunks };
    await Promise.all(
      [...dirty].map(async (c) => {
        const list = members.get(c) ?? [];
        if (list.length === 0) return void delete chunks[c];
        const sk = chunkSk(c, version, writer);
        const text = JSON.stringify(list);
        if (text.length > MAX_CHUNK_BYTES)
          throw new StoreError(
            'invalid',
            `chunk ${c} of ${group} would hold ${text.length} bytes (> ${MAX_CHUNK_BYTES}): the table needs more chunks`,
          );
        await this.put({ pk: groupPk(group), sk, a: text, version, writer, createdAt: now }, 'PutItem chunk');
        written.push(sk);
        chunks[c] = sk;
      }),
    );
    const root = { pk: groupPk(group), sk: META_SK, version, chunkCount: meta.chunkCount, chunks, updatedAt: now };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: root,
          ConditionExpression: next.expectedVersion === 0 ? 'attribute_not_exists(sk)' : 'version = :expected',
          ...(next.expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': next.expectedVersion } }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw storeError('PutItem #META', err);
      const current = err.Item ? decodeMeta(err.Item) : await this.readMeta(group);
      return {
        result: { ok: false, reason: 'conflict', currentVersion: current.version },
        housekeeping: this.retire(group, written, now),
      };
    }
    for (const sk of written) this.cache.set(sk, members.get(parseChunkSk(sk)!.chunk)!);
    const superseded = Object.values(meta.chunks).filter((sk) => !Object.values(chunks).includes(sk));
    return {
      result: { ok: true, version },
      housekeeping: this.retire(group, superseded, now).then(() => this.sweep(group, root, now)),
    };
  }

  private async put(item: Record<string, unknown>, what: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(sk)' }),
      );
    } catch (err) {
      throw storeError(what, err);
    }
  }

  private async retire(group: string, sks: readonly string[], now: number): Promise<void> {
    const expiresAt = Math.floor(now / 1000) + RETIRE_AFTER_S;
    await Promise.all(
      sks.map((sk) =>
        this.doc
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: groupPk(group), sk },
              UpdateExpression: 'SET #ttl = :t',
              ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(#ttl)',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':t': expiresAt },
            }),
          )
          .catch((err: unknown) => {
            if (!isConditionFailed(err)) throw storeError('UpdateItem retire chunk', err);
          }),
      ),
    );
  }

  /** Retires chunks a crashed committer left behind: unreferenced and never referable again. */
  private async sweep(group: string, root: Meta, now: number): Promise<void> {
    const referenced = new Set(Object.values(root.chunks));
    const dead: string[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < 100; page++) {
      let r;
      try {
        r = await this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
            ExpressionAttributeValues: { ':pk': groupPk(group), ':a': 'A#' },
            ProjectionExpression: 'sk, version, #ttl',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
      } catch (err) {
        throw storeError('Query chunks (sweep)', err);
      }
      for (const item of r.Items ?? []) {
        const sk = String(item.sk);
        if (!referenced.has(sk) && item[TTL_ATTRIBUTE] === undefined && Number(item.version) <= root.version)
          dead.push(sk);
      }
      start = r.LastEvaluatedKey;
      if (!start) break;
    }
    await this.retire(group, dead, now);
  }
}

function decodeMeta(item: Record<string, unknown>): Meta {
  return {
    version: Number(item.version),
    chunkCount: Number(item.chunkCount),
    chunks: { ...(item.chunks as Record<string, string>) },
  };
}
