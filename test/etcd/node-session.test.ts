import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, holdNodeLease, type EtcdClient } from '../../adapters/etcd-store';
import { nodeSession } from '../../agent/etcd/node-session';
import type { NodeRecord } from '../../core/ports';
import { systemClock } from '../../lib/clock';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';

/**
 * The agent's node session over holdNodeLease on a real etcd: no lease before the first write, a
 * lost lease is said once and replaced at the next write, close revokes it. (The record write is
 * the store's putHeartbeat, covered by the store contract; here it only records what was written.)
 */
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

const KEY = '/ns/alive/n1';
const read = async () => (await client.range({ key: KEY }, `read ${KEY}`)).kvs[0];

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('nodeSession on holdNodeLease (real etcd)', () => {
  it('grants at the first write, replaces a lost lease at the next write, and revokes it on close', async () => {
    const written: NodeRecord[] = [];
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const session = nodeSession({
      logger,
      calls: {
        putRecord: async (r) => void written.push(r),
        holdLease: (onLost) =>
          holdNodeLease({ client, key: KEY, value: '{}', ttlSeconds: 1, clock: systemClock, onLost }),
      },
    });
    const record = { node: 'n1' } as unknown as NodeRecord;
    expect(session.alive()).toBe(false);
    expect(await read()).toBeUndefined();

    await session.put(record);
    const first = session.leaseId();
    expect(first).toBeDefined();
    expect(session.alive()).toBe(true);
    expect((await read())?.lease).toBe(first);
    await session.put(record);
    expect(session.leaseId()).toBe(first);

    await client.revokeLease(first!);
    await until('the loss is reported', () => !session.alive());
    expect(await read()).toBeUndefined();
    expect(warnings.filter((l) => l.includes('node lease lost'))).toHaveLength(1);

    await session.put(record);
    const second = session.leaseId();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await read())?.lease).toBe(second);
    expect(written).toHaveLength(3);

    await session.close();
    expect(await read()).toBeUndefined();
    expect(session.alive()).toBe(false);
    await expect(session.put(record)).rejects.toThrow(/closed/);
  }, 15_000);
});
