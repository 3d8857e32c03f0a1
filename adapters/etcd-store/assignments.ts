import type { Assignment } from '../../core/decide/types';
import { StoreError, type CommitResult } from '../../core/ports';
import { prefixEnd, type EtcdClient, type KeyValue, type Op } from './client';
import { chunkOf, type Keys } from './keys';
import { asAssignments, chunkSchema, decode, rootSchema } from './values';

/**
 * The assignments of a group: a root key (version, chunk count) and one key per chunk of VIPs.
 * A commit is ONE transaction: compare the root's mod revision with the one read, then put the
 * changed chunks and the new root. Of two committers that read the same root exactly one commits;
 * the other gets the root as it is now and answers `conflict` with its version. Reads take the
 * root and every chunk in one range, so they see one revision: never half a commit.
 *
 * etcd bounds a request (--max-request-bytes, 1.5 MiB by default; --max-txn-ops, 128): a commit
 * that would exceed the size fails `invalid` before it is sent, naming the limit; the chunk count
 * (at most 127) keeps the operations under the second.
 */

export interface Snapshot {
  version: number;
  chunkCount: number;
  /** The root's mod revision (0 before the first commit): the commit compares it. */
  rootRevision: number;
  assignments: Assignment[];
  /** The chunks' current members, by chunk id. */
  chunks: Map<string, Assignment[]>;
}

export class ChunkedAssignments {
  constructor(
    private readonly client: EtcdClient,
    private readonly keys: Keys,
    private readonly defaultChunkCount: number,
    private readonly maxRequestBytes: number,
  ) {}

  rangeOf(group: string) {
    const key = this.keys.assignments(group);
    return { key, end: prefixEnd(key) };
  }

  async read(group: string): Promise<Snapshot> {
    return this.decode(group, (await this.client.range(this.rangeOf(group), `read assignments of ${group}`)).kvs);
  }

  /** Root and chunks from one range's keys, checked: values fit, every VIP sits once in its own chunk. */
  decode(group: string, kvs: readonly KeyValue[]): Snapshot {
    const rootKey = this.keys.root(group);
    const chunkPrefix = this.keys.chunk(group, '');
    const rootKv = kvs.find((kv) => kv.key === rootKey);
    const root = rootKv ? decode(rootKey, rootKv.value, rootSchema) : undefined;
    const chunkCount = root?.chunkCount ?? this.defaultChunkCount;
    const chunks = new Map<string, Assignment[]>();
    const seen = new Set<string>();
    for (const kv of kvs) {
      if (kv.key === rootKey) continue;
      const id = kv.key.startsWith(chunkPrefix) ? kv.key.slice(chunkPrefix.length) : '';
      if (!root || !/^[0-9a-f]{2}$/.test(id) || parseInt(id, 16) >= chunkCount)
        throw new StoreError('invalid', `etcd key ${kv.key}: not part of the assignments of ${group} ipferry wrote`);
      const members = asAssignments(decode(kv.key, kv.value, chunkSchema));
      for (const a of members) {
        if (chunkOf(a.vip, chunkCount) !== id || seen.has(a.vip))
          throw new StoreError('invalid', `etcd key ${kv.key}: VIP ${JSON.stringify(a.vip)} does not belong there`);
        seen.add(a.vip);
      }
      chunks.set(id, members);
    }
    const assignments = [...chunks.values()].flat().sort((a, b) => (a.vip < b.vip ? -1 : a.vip > b.vip ? 1 : 0));
    return { version: root?.version ?? 0, chunkCount, rootRevision: rootKv?.modRevision ?? 0, assignments, chunks };
  }

  async commit(
    group: string,
    next: { expectedVersion: number; assignments: readonly Assignment[]; changed: readonly string[] },
  ): Promise<CommitResult> {
    const now = await this.read(group);
    if (now.version !== next.expectedVersion) return { ok: false, reason: 'conflict', currentVersion: now.version };
    const dirty = new Set(next.changed.map((vip) => chunkOf(vip, now.chunkCount)));
    const members = new Map<string, Assignment[]>([...dirty].map((c) => [c, []]));
    for (const a of next.assignments) members.get(chunkOf(a.vip, now.chunkCount))?.push(a);
    const version = now.version + 1;
    const ops: Op[] = [...members].map(([c, list]): Op =>
      list.length === 0
        ? { delete: { key: this.keys.chunk(group, c) } }
        : { put: { key: this.keys.chunk(group, c), value: JSON.stringify(list) } },
    );
    ops.push({ put: { key: this.keys.root(group), value: JSON.stringify({ version, chunkCount: now.chunkCount }) } });
    const bytes = ops.reduce((n, op) => n + ('put' in op ? op.put.key.length + op.put.value.length : 64), 0);
    if (bytes > this.maxRequestBytes)
      throw new StoreError(
        'invalid',
        `etcd commit of ${group}: ${bytes} bytes in one transaction exceed ${this.maxRequestBytes} (etcd's --max-request-bytes, 1.5 MiB by default): raise it on every member and the store's maxRequestBytes`,
      );
    const r = await this.client.txn(
      {
        compare: [{ key: this.keys.root(group), target: 'mod', equals: now.rootRevision }],
        success: ops,
        failure: [{ range: { key: this.keys.root(group) } }],
      },
      `commit assignments of ${group}`,
    );
    if (r.succeeded) return { ok: true, version };
    const rootKv = r.results[0]?.kvs[0];
    const current = rootKv ? decode(rootKv.key, rootKv.value, rootSchema).version : 0;
    return { ok: false, reason: 'conflict', currentVersion: current };
  }
}
