import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, prefixEnd, type EtcdClient } from '../../adapters/etcd-store/client';
import { StoreError } from '../../core/ports';
import { closedPort } from '../helpers/closed-port';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';

let etcd: EtcdCluster;
let c: EtcdClient;
beforeAll(async () => {
  etcd = await startEtcd();
  c = connectEtcd({ endpoints: etcd.endpoints, callTimeoutMs: 2000 });
});
afterAll(async () => {
  c?.close();
  await etcd?.close();
});

describe('etcd client wrapper (real etcd)', () => {
  it('a transaction on a mod revision: the first writer wins, the second reads what won', async () => {
    const first = await c.txn(
      { compare: [{ key: '/t/a', target: 'create', equals: 0 }], success: [{ put: { key: '/t/a', value: 'one' } }] },
      'create a',
    );
    expect(first.succeeded).toBe(true);
    const { kvs } = await c.range({ key: '/t/a' }, 'get a');
    const rev = kvs[0]!.modRevision;
    const stale = await c.txn(
      {
        compare: [{ key: '/t/a', target: 'mod', equals: rev - 1 }],
        success: [{ put: { key: '/t/a', value: 'two' } }],
        failure: [{ range: { key: '/t/a' } }],
      },
      'stale put',
    );
    expect(stale.succeeded).toBe(false);
    expect(stale.results[0]!.kvs.map((kv) => kv.value)).toEqual(['one']);
  });

  it('ranges by prefix, newest key first, with a limit and a count', async () => {
    for (const k of ['1', '2', '3'])
      await c.txn({ compare: [], success: [{ put: { key: `/r/${k}`, value: k } }] }, 'put');
    const r = await c.range({ key: '/r/', end: prefixEnd('/r/'), limit: 2, descending: true }, 'list');
    expect(r.kvs.map((kv) => kv.value)).toEqual(['3', '2']);
    expect([r.more, r.count]).toEqual([true, 3]);
  });

  it('prefixEnd bounds exactly the keys with the prefix, and refuses non-ASCII prefixes', () => {
    expect(prefixEnd('/ipferry/mail/')).toBe('/ipferry/mail0');
    expect(() => prefixEnd('/ipferry/müll/')).toThrow(/not printable ASCII/);
  });

  it('a transaction etcd refuses as too large fails invalid, naming the call', async () => {
    const ops = Array.from({ length: 200 }, (_, i) => ({ put: { key: `/big/${i}`, value: 'x' } }));
    const err = await c.txn({ compare: [], success: ops }, 'too many ops').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({
      reason: 'invalid',
      message: expect.stringMatching(/too many ops.*too many operations/),
    });
  });

  it('a lease is granted, kept alive, and after revocation keepalive says it is gone', async () => {
    const lease = await c.grantLease(5);
    expect(lease.ttlSeconds).toBe(5);
    expect((await c.keepAliveOnce(lease.id)).ttlSeconds).toBe(5);
    await c.revokeLease(lease.id);
    expect((await c.keepAliveOnce(lease.id)).ttlSeconds).toBeLessThanOrEqual(0);
  });

  it('nobody listening: every call fails transient within its deadline', async () => {
    const dead = connectEtcd({ endpoints: [`http://127.0.0.1:${await closedPort()}`], callTimeoutMs: 300 });
    try {
      const t0 = Date.now();
      const err = await dead.range({ key: '/x' }, 'get x').catch((e: unknown) => e);
      expect(err).toMatchObject({
        name: 'StoreError',
        reason: 'transient',
        message: expect.stringContaining('etcd get x'),
      });
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      dead.close();
    }
  });
});
