import { circuitBreaker, ConsecutiveBreaker, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type IRequestOp, type IRangeResponse, type IKeyValue } from 'etcd3';
import { StoreError } from '../../core/ports';
import { DEFAULT_CALL_TIMEOUT_MS, etcd3Options, type EtcdConnectOptions } from './connection';
import { etcdError } from './errors';

export type { EtcdConnectOptions } from './connection';

/**
 * The one place that knows the etcd client library (`etcd3`, over gRPC). Everything else speaks
 * this small interface: ranges, transactions with compares, leases. Every call has a deadline (the
 * gRPC deadline, and a timer of ours in case the library waits elsewhere, e.g. for a connection),
 * and every failure is a StoreError with a reason and the call it came from.
 */

/** One stored key as etcd returns it; revisions are numbers (etcd's int64s stay below 2^53 in practice). */
export interface KeyValue {
  key: string;
  value: string;
  modRevision: number;
  createRevision: number;
  lease: string;
}

export interface RangeQuery {
  key: string;
  /** Exclusive end; absent: the single key. */
  end?: string;
  limit?: number;
  descending?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
  /** The store revision the range was read at. */
  revision: number;
}

/** A transaction's condition: the key's mod or create revision equals `equals` (0 = the key is absent). */
export interface Compare {
  key: string;
  target: 'mod' | 'create';
  equals: number;
}

export type Op =
  | { put: { key: string; value: string; lease?: string } }
  | { delete: { key: string; end?: string } }
  | { range: RangeQuery };

export interface TxnResult {
  succeeded: boolean;
  /** One per op of the branch that ran: the range's result, or null for puts and deletes. */
  results: Array<RangeResult | null>;
}

export interface EtcdClient {
  range(q: RangeQuery, what: string): Promise<RangeResult>;
  txn(
    t: { compare: readonly Compare[]; success: readonly Op[]; failure?: readonly Op[] },
    what: string,
  ): Promise<TxnResult>;
  grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }>;
  /** One keepalive; `ttlSeconds <= 0` means etcd no longer knows the lease (it expired or was revoked). */
  keepAliveOnce(id: string): Promise<{ ttlSeconds: number }>;
  revokeLease(id: string): Promise<void>;
  readonly callTimeoutMs: number;
  close(): void;
}

/**
 * The first key after every key that starts with `prefix` (etcd's range_end for a prefix). Our keys
 * are printable ASCII (node and group names are percent-encoded), so the last character plus one.
 */
export function prefixEnd(prefix: string): string {
  if (!/^[\x20-\x7e]+$/.test(prefix))
    throw new StoreError('invalid', `etcd key prefix ${JSON.stringify(prefix)} is not printable ASCII`);
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export function connectEtcd(opts: EtcdConnectOptions): EtcdClient {
  if (opts.endpoints.length === 0) throw new StoreError('invalid', 'etcd: no endpoints given');
  const timeout = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const client = new Etcd3({
    ...etcd3Options(opts),
    faultHandling: {
      // A dead member is skipped for half a second, then tried again: short, so a member that comes
      // back (or quorum regained) is used again at once rather than after the library's 5 s.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 500, breaker: new ConsecutiveBreaker(1) }),
      // One more try on another member, within the same call deadline.
      global: retry(handleWhen(isRecoverableError), { maxAttempts: Math.min(2, opts.endpoints.length - 1) }),
    },
  });

  const call = <T>(what: string, p: () => Promise<T>): Promise<T> => withTimeout(what, timeout, p());

  return {
    callTimeoutMs: timeout,
    async range(q, what) {
      const r = await call(what, () => client.kv.range(rangeRequest(q)));
      return rangeResult(r);
    },
    async txn(t, what) {
      const r = await call(what, () =>
        client.kv.txn({
          compare: t.compare.map((c) => ({
            key: Buffer.from(c.key),
            target: c.target === 'mod' ? 'Mod' : 'Create',
            result: 'Equal',
            ...(c.target === 'mod' ? { mod_revision: c.equals } : { create_revision: c.equals }),
          })),
          success: t.success.map(requestOp),
          failure: (t.failure ?? []).map(requestOp),
        }),
      );
      return {
        succeeded: r.succeeded,
        results: (r.responses ?? []).map((op) => (op.response_range ? rangeResult(op.response_range) : null)),
      };
    },
    async grantLease(ttlSeconds) {
      const r = await call('LeaseGrant', () => client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
      if (r.error) throw new StoreError('transient', `etcd LeaseGrant refused: ${r.error}`);
      return { id: String(r.ID), ttlSeconds: Number(r.TTL) };
    },
    async keepAliveOnce(id) {
      // A stream's failure comes after the library picked its member, past its retry policy:
      // try the next member here (the failed one's breaker is open now), within the one deadline.
      return call(`LeaseKeepAlive ${id}`, async () => {
        let last: unknown;
        for (let attempt = 0; attempt < opts.endpoints.length; attempt++) {
          try {
            return await keepAliveOn(await client.leaseClient.leaseKeepAlive(), id);
          } catch (err) {
            last = err;
          }
        }
        throw last;
      });
    },
    async revokeLease(id) {
      try {
        await call(`LeaseRevoke ${id}`, () => client.leaseClient.leaseRevoke({ ID: id }));
      } catch (err) {
        // Revoking a lease etcd no longer has is what we wanted anyway.
        if (!(err instanceof StoreError && err.reason === 'not-found')) throw err;
      }
    },
    close() {
      client.close();
    },
  };
}

type KeepAliveStream = Awaited<ReturnType<Etcd3['leaseClient']['leaseKeepAlive']>>;

async function keepAliveOn(stream: KeepAliveStream, id: string): Promise<{ ttlSeconds: number }> {
  try {
    const res = await new Promise<{ TTL: string }>((resolve, reject) => {
      stream.on('data', resolve);
      stream.on('error', reject);
      stream.on('end', () => reject(new Error('keepalive stream ended without an answer')));
      stream.write({ ID: id });
    });
    return { ttlSeconds: Number(res.TTL) };
  } finally {
    stream.end();
  }
}

async function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError('transient', `etcd ${what}: no answer within ${ms} ms`)), ms + 50);
  });
  try {
    return await Promise.race([p, late]);
  } catch (err) {
    throw etcdError(what, err);
  } finally {
    clearTimeout(timer);
  }
}

function rangeRequest(q: RangeQuery) {
  return {
    key: Buffer.from(q.key),
    ...(q.end !== undefined ? { range_end: Buffer.from(q.end) } : {}),
    ...(q.limit ? { limit: q.limit } : {}),
    ...(q.descending ? { sort_order: 'Descend' as const, sort_target: 'Key' as const } : {}),
    ...(q.keysOnly ? { keys_only: true } : {}),
    ...(q.countOnly ? { count_only: true } : {}),
  };
}

function requestOp(op: Op): IRequestOp {
  if ('put' in op)
    return {
      request_put: {
        key: Buffer.from(op.put.key),
        value: Buffer.from(op.put.value),
        ...(op.put.lease ? { lease: op.put.lease } : {}),
      },
    };
  if ('delete' in op)
    return {
      request_delete_range: {
        key: Buffer.from(op.delete.key),
        ...(op.delete.end !== undefined ? { range_end: Buffer.from(op.delete.end) } : {}),
      },
    };
  return { request_range: rangeRequest(op.range) };
}

function rangeResult(r: IRangeResponse): RangeResult {
  return {
    kvs: (r.kvs ?? []).map(keyValue),
    more: !!r.more,
    count: Number(r.count ?? 0),
    revision: Number(r.header?.revision ?? 0),
  };
}

function keyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value ? kv.value.toString('utf8') : '',
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    lease: String(kv.lease ?? '0'),
  };
}
