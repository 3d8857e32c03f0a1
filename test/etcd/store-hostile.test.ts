import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, EtcdStore, type EtcdClient } from '../../adapters/etcd-store';
import { prefixEnd } from '../../adapters/etcd-store/client';
import { StoreError } from '../../core/ports';
import { assignment, record } from '../contract/store-contract';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';

/**
 * What the contract suite cannot say about etcd: where the keys are, that values read back are
 * input from the network (garbage fails clearly and changes nothing), and the bounded history.
 */
let etcd: EtcdCluster;
let client: EtcdClient;
let n = 0;
const T0 = 1_700_000_000_000;
beforeAll(async () => {
  etcd = await startEtcd();
  client = connectEtcd({ endpoints: etcd.endpoints, callTimeoutMs: 5000 });
});
afterAll(async () => {
  client?.close();
  await etcd?.close();
});

const fresh = (opts: { maxEvents?: number; maxRequestBytes?: number } = {}) =>
  new EtcdStore({ client, prefix: `/hostile-${++n}/`, ...opts });
const put = (key: string, value: string) =>
  client.txn({ compare: [], success: [{ put: { key, value } }] }, `test put ${key}`);
const keysUnder = async (prefix: string) =>
  (await client.range({ key: prefix, end: prefixEnd(prefix), keysOnly: true }, 'test list')).kvs.map((kv) => kv.key);
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'succeeded',
    (e: unknown) => e,
  );

describe('EtcdStore on real etcd: layout, hostile values, bounds', () => {
  it('keys live under <prefix><group>/ as docs/etcd-mode.md says; names cannot leave their segment', async () => {
    const s = new EtcdStore({ client, prefix: '/ipferry/' });
    await s.putHeartbeat('mail', 'a/../b', record('a/../b', { seq: 1 }));
    await s.commit('mail', { expectedVersion: 0, assignments: [assignment('smtp', 'a')], changed: ['smtp'] });
    await s.setDraining('mail', 'c', true, T0);
    await s.acquireLease('mail', { owner: 't', ttlMs: 1000, now: T0 });
    const keys = await keysUnder('/ipferry/mail/');
    expect(keys.filter((k) => !k.startsWith('/ipferry/mail/assignments/chunk/'))).toEqual([
      '/ipferry/mail/assignments/root',
      '/ipferry/mail/draining/c',
      '/ipferry/mail/nodes/a%2F..%2Fb',
      '/ipferry/mail/tick-lease',
    ]);
    expect(keys.filter((k) => k.startsWith('/ipferry/mail/assignments/chunk/'))).toHaveLength(1);
    expect([...(await s.loadGroup('mail')).nodes.keys()]).toEqual(['a/../b']);
  });

  it('a node record that is not ours fails the group read as invalid, naming the key', async () => {
    const s = fresh();
    await s.putHeartbeat('mail', 'a', record('a', { seq: 1 }));
    await put(s.keys.node('mail', 'b'), '{"view":{"id":"b"},"guard":{}}');
    const err = await failure(s.loadGroup('mail'));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ reason: 'invalid', message: expect.stringContaining(s.keys.node('mail', 'b')) });
    // A heartbeat onto the garbage is refused the same way, and the garbage stays as it was.
    expect(await failure(s.putHeartbeat('mail', 'b', record('b', { seq: 2 })))).toMatchObject({ reason: 'invalid' });
    const kv = (await client.range({ key: s.keys.node('mail', 'b') }, 'read')).kvs[0]!;
    expect(kv.value).toBe('{"view":{"id":"b"},"guard":{}}');
  });

  it('JSON reaching for a prototype, or not JSON at all, is refused', async () => {
    const s = fresh();
    await put(s.keys.tickLease('mail'), '{"owner":"x","expiresAt":1,"__proto__":{"polluted":true}}');
    expect(await failure(s.acquireLease('mail', { owner: 't', ttlMs: 1, now: T0 }))).toMatchObject({
      reason: 'invalid',
      message: expect.stringContaining('"__proto__" is not allowed'),
    });
    await put(s.keys.drain('mail', 'a'), 'drained!');
    expect(await failure(s.loadNode('mail', 'a'))).toMatchObject({ reason: 'invalid', message: /not JSON/ });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a garbage root, a stray chunk, or a VIP in the wrong chunk fails reads and commits; nothing is written', async () => {
    const s = fresh();
    await s.commit('mail', { expectedVersion: 0, assignments: [assignment('smtp', 'a')], changed: ['smtp'] });
    await put(s.keys.chunk('mail', 'zz'), '[]');
    expect(await failure(s.loadAssignments('mail'))).toMatchObject({ reason: 'invalid', message: /chunk\/zz/ });
    const t = fresh();
    await t.commit('mail', { expectedVersion: 0, assignments: [assignment('smtp', 'a')], changed: ['smtp'] });
    const [chunkKey] = (await keysUnder(t.keys.chunk('mail', ''))).filter(Boolean);
    await put(
      chunkKey!,
      JSON.stringify([assignment('smtp', 'a'), assignment('not-here-0', 'a'), assignment('not-here-1', 'a')]),
    );
    expect(await failure(t.loadGroup('mail'))).toMatchObject({ reason: 'invalid', message: /does not belong there/ });
    await put(t.keys.root('mail'), '{"version":-1,"chunkCount":64}');
    const before = await keysUnder(t.keys.group('mail'));
    expect(
      await failure(
        t.commit('mail', { expectedVersion: 1, assignments: [assignment('imap', 'b')], changed: ['imap'] }),
      ),
    ).toMatchObject({ reason: 'invalid', message: expect.stringContaining(t.keys.root('mail')) });
    expect(await keysUnder(t.keys.group('mail'))).toEqual(before);
  });

  it('an event stored under another event’s key is refused', async () => {
    const s = fresh();
    await put(s.keys.event('mail', 'b'), JSON.stringify({ id: 'a', at: T0, kind: 'note', detail: '' }));
    expect(await failure(s.listEvents('mail'))).toMatchObject({ reason: 'invalid', message: /not its own/ });
  });

  it('history is bounded: beyond maxEvents the oldest go', async () => {
    const s = fresh({ maxEvents: 5 });
    const ev = (i: number) => ({
      id: `${String(T0 + i).padStart(15, '0')}#note`,
      at: T0 + i,
      kind: 'note' as const,
      detail: `n${i}`,
    });
    await s.appendEvents('mail', [0, 1, 2, 3].map(ev));
    await s.appendEvents('mail', [4, 5, 6, 7].map(ev));
    const { events, next } = await s.listEvents('mail', { limit: 100 });
    expect(events.map((e) => e.detail)).toEqual(['n7', 'n6', 'n5', 'n4', 'n3']);
    expect(next).toBeUndefined();
  });

  it('a commit larger than the request limit fails invalid before it is sent, naming the limit', async () => {
    const s = fresh({ maxRequestBytes: 2000 });
    const vips = Array.from({ length: 100 }, (_, i) => `v${i}`);
    const err = await failure(
      s.commit('mail', { expectedVersion: 0, assignments: vips.map((v) => assignment(v, 'a')), changed: vips }),
    );
    expect(err).toMatchObject({ reason: 'invalid', message: /--max-request-bytes/ });
    expect(await s.loadAssignments('mail')).toEqual({ version: 0, assignments: [] });
  });
});
