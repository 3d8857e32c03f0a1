import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, EtcdStore, holdNodeLease, type EtcdClient } from '../../adapters/etcd-store';
import { StoreError } from '../../core/ports';
import { systemClock } from '../../lib/clock';
import { assignment, record } from '../contract/store-contract';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';

/**
 * The store and a node lease on a three-member etcd: one member lost changes nothing; quorum lost
 * makes writes fail with a reason within a bounded time and the lease holder report loss; quorum
 * back, everything works again and the lost holder's record goes.
 */
let etcd: EtcdCluster;
let client: EtcdClient;
beforeAll(async () => {
  etcd = await startEtcd({ members: 3 });
  client = connectEtcd({ endpoints: etcd.endpoints, callTimeoutMs: 1000 });
});
afterAll(async () => {
  client?.close();
  await etcd?.close();
});

const G = 'mail';

/** Retries `f` every 100 ms for at most `ms` until it resolves; its value and the time it took. */
async function eventually<T>(ms: number, f: () => Promise<T>): Promise<{ value: T; tookMs: number }> {
  const t0 = Date.now();
  for (;;) {
    try {
      return { value: await f(), tookMs: Date.now() - t0 };
    } catch (err) {
      if (Date.now() - t0 > ms) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('etcd store and node lease on a three-member cluster', () => {
  it('one member lost: works; quorum lost: writes fail clearly and the lease is lost; quorum back: works', async () => {
    const store = new EtcdStore({ client, prefix: '/q/' });
    const lost: Array<{ at: number; reason: string }> = [];
    const lease = await holdNodeLease({
      client,
      key: store.keys.alive(G, 'a'),
      value: 'a',
      ttlSeconds: 2,
      clock: systemClock,
      onLost: (reason) => lost.push({ at: Date.now(), reason }),
    });
    await store.commit(G, { expectedVersion: 0, assignments: [assignment('smtp', 'a')], changed: ['smtp'] });

    // One member gone (it may be the leader: the others elect a new one within etcd's election timeout).
    await etcd.kill(0);
    await eventually(3000, () => store.putHeartbeat(G, 'a', record('a', { seq: 1 })));
    expect(
      await store.commit(G, { expectedVersion: 1, assignments: [assignment('smtp', 'b', 2)], changed: ['smtp'] }),
    ).toEqual({ ok: true, version: 2 });
    expect((await store.loadGroup(G)).nodes.get('a')!.guard.seq).toBe(1);
    await new Promise((r) => setTimeout(r, 2500));
    expect(lost).toEqual([]);
    expect(lease.alive()).toBe(true);

    // Quorum gone: one member of three left.
    await etcd.kill(1);
    const quorumLostAt = Date.now();
    const err = await store
      .commit(G, { expectedVersion: 2, assignments: [assignment('smtp', 'c', 3)], changed: ['smtp'] })
      .then(
        () => 'committed',
        (e: unknown) => e,
      );
    expect(Date.now() - quorumLostAt).toBeLessThan(5000);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ reason: 'transient', message: expect.stringMatching(/^etcd .*assignments of mail/) });
    const seen = await eventually(5000, async () => {
      if (lost.length === 0) throw new Error('not lost yet');
      return lost;
    });
    expect(seen.value).toHaveLength(1);
    expect(seen.value[0]!.reason).toMatch(/not renewed within its 2 s TTL/);
    expect(seen.value[0]!.at - quorumLostAt).toBeLessThanOrEqual(2000 + 1000);
    expect(lease.alive()).toBe(false);

    // Quorum back: the same members on their data.
    await Promise.all([etcd.restart(0), etcd.restart(1)]);
    const back = await eventually(8000, () =>
      store.commit(G, { expectedVersion: 2, assignments: [assignment('smtp', 'c', 3)], changed: ['smtp'] }),
    );
    expect(back.value).toEqual({ ok: true, version: 3 });
    // Nobody renews the lost lease: its record goes (etcd restarts lease clocks on a new leader, so within a TTL more).
    await eventually(4000, async () => {
      const kv = (await client.range({ key: store.keys.alive(G, 'a') }, 'read alive')).kvs[0];
      if (kv) throw new Error('still there');
    });
    expect(lost).toHaveLength(1);
  });
});
