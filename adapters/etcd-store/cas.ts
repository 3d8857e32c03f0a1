import { StoreError } from '../../core/ports';
import type { EtcdClient, KeyValue } from './client';

/** What a read-modify-write decides from the key's current value: write it, delete it, or leave it. */
export type Step<T> = { result: T; put?: { value: string; lease?: string }; delete?: true };

const ATTEMPTS = 16;

/**
 * Read-modify-write of one key as compare-and-set on its mod revision (0: the key is absent), read
 * again and retried while other writers win the race. Bounded: a key that changes under every one
 * of 16 attempts fails `conflict` rather than spinning.
 */
export async function casUpdate<T>(
  client: EtcdClient,
  key: string,
  what: string,
  step: (current: KeyValue | undefined) => Step<T>,
): Promise<T> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = (await client.range({ key }, `${what} (read)`)).kvs[0];
    const s = step(current);
    if (!s.put && !s.delete) return s.result;
    const r = await client.txn(
      {
        compare: [{ key, target: 'mod', equals: current?.modRevision ?? 0 }],
        success: [
          s.put
            ? { put: { key, value: s.put.value, ...(s.put.lease ? { lease: s.put.lease } : {}) } }
            : { delete: { key } },
        ],
      },
      what,
    );
    if (r.succeeded) return s.result;
  }
  throw new StoreError('conflict', `etcd ${what}: ${key} changed under each of ${ATTEMPTS} attempts in a row`);
}
