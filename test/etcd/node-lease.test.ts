import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, holdNodeLease, type EtcdClient } from '../../adapters/etcd-store';
import { systemClock } from '../../lib/clock';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';

/** The node lease on one real etcd member (timers of the test helper: etcd grants 1 s leases). */
let etcd: EtcdCluster;
let client: EtcdClient;
beforeAll(async () => {
  etcd = await startEtcd();
  client = connectEtcd({ endpoints: etcd.endpoints, callTimeoutMs: 1000 });
});
afterAll(async () => {
  client?.close();
  await etcd?.close();
});

const read = async (key: string) => (await client.range({ key }, `read ${key}`)).kvs[0]?.value;

/** Polls (every 50 ms, at most `ms`) until `f` is true; the time it took, or null. */
async function within(ms: number, f: () => Promise<boolean>): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 <= ms) {
    if (await f()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

describe('holdNodeLease on real etcd', () => {
  it('keeps the record alive well past its TTL, and release deletes it at once without reporting loss', async () => {
    const lost: string[] = [];
    const lease = await holdNodeLease({
      client,
      key: '/nl/alive/a',
      value: '{"node":"a"}',
      ttlSeconds: 1,
      clock: systemClock,
      onLost: (r) => lost.push(r),
    });
    expect(lease.ttlSeconds).toBe(1);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(await read('/nl/alive/a')).toBe('{"node":"a"}');
    }
    expect(lease.alive()).toBe(true);
    await lease.release();
    expect(await read('/nl/alive/a')).toBeUndefined();
    expect(lease.alive()).toBe(false);
    expect(lost).toEqual([]);
  });

  it('a lease revoked behind the holder’s back is reported lost, once', async () => {
    const lost: string[] = [];
    const lease = await holdNodeLease({
      client,
      key: '/nl/alive/b',
      value: 'b',
      ttlSeconds: 1,
      clock: systemClock,
      onLost: (r) => lost.push(r),
    });
    await client.revokeLease(lease.id);
    expect(await within(2000, async () => lost.length > 0)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 700));
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/etcd no longer knows lease .* \(expired or revoked\)/);
    expect(lease.alive()).toBe(false);
  });

  it('kill -9 of the holding process: its record is gone within TTL + 1 s', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/etcd/fixtures/hold-lease.ts', etcd.endpoints.join(','), '/nl/alive/c', '1'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
      });
      expect(JSON.parse(first)).toMatchObject({ ttlSeconds: 1 });
      expect(await read('/nl/alive/c')).toBe(JSON.stringify({ pid: child.pid }));
      // Renewed: still there after twice its TTL.
      await new Promise((r) => setTimeout(r, 2000));
      expect(await read('/nl/alive/c')).toBeDefined();
      child.kill('SIGKILL');
      const tookMs = await within(4000, async () => (await read('/nl/alive/c')) === undefined);
      expect(tookMs).not.toBeNull();
      expect(tookMs!).toBeLessThanOrEqual(2000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
