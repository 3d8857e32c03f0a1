import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { MemoryStore } from '../../adapters/memory-store';
import { connectCoordination } from '../../adapters/etcd-coordination/connect';
import { etcdElection } from '../../adapters/etcd-coordination/election';
import { watchPrefix } from '../../adapters/etcd-coordination/watch';
import { controlContext } from '../../control/context';
import { EtcdDecider } from '../../control/etcd/decider';
import { leaseLiveness } from '../../control/etcd/lease-views';
import type { NodeRecord } from '../../core/ports';
import { systemClock } from '../../lib/clock';
import { memoryLog } from '../../lib/log';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { lan } from '../helpers/configs';

/**
 * The decider on a real etcd election: one leads, the other waits; the leader ticks on the changes
 * a real etcd watch reports; when it resigns the other leads and decides on what the first left.
 * The group state sits in a memory store here (the etcd store has its own contract suite): what is
 * under test is who decides and when, and that deciding is the control loop's own tick.
 */
const config = lan({
  nodes: 2,
  timers: { heartbeatInterval: 200, deadAfter: 2000, minHold: 0 },
  vips: [{ name: 'v1', preferred: 'n1' }],
});

let etcd: EtcdCluster;
const clients: Etcd3[] = [];
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await etcd?.close();
});

function record(id: string, opts: { leaving?: boolean } = {}): NodeRecord {
  return {
    view: {
      id,
      bootId: `boot-${id}-0001`,
      lastSeen: 1,
      aliveSince: 1,
      checks: {},
      held: [],
      draining: false,
      leaving: opts.leaving ?? false,
    },
    guard: { bootId: `boot-${id}-0001`, seq: opts.leaving ? 2 : 1, sentAt: opts.leaving ? 2 : 1 },
    applied: {},
  };
}

async function until<T>(what: string, read: () => T | undefined | Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('etcd decider', () => {
  it('one leads at a time, ticks on watched changes, and a successor decides on what it left', async () => {
    const store = new MemoryStore();
    const poke = connectCoordination({ endpoints: etcd.endpoints });
    clients.push(poke);
    const deciders = ['d1', 'd2'].map((name) => {
      const client = connectCoordination({ endpoints: etcd.endpoints });
      clients.push(client);
      const log = memoryLog();
      const ctx = controlContext({
        config,
        store: leaseLiveness(store, systemClock, config.timers.deadAfter),
        clock: systemClock,
        log,
        instance: name,
      });
      const decider = new EtcdDecider({
        ctx,
        election: etcdElection(client, { name: 'test/decider', ttlSeconds: 2, value: name }),
        changes: {
          watch: (changed) => {
            const w = watchPrefix(
              client,
              'test/nodes/',
              (c) => changed(`${c.kind} ${c.key}`),
              () => {},
            );
            return { stop: async () => (await w).stop() };
          },
        },
        tickEveryMs: 60_000,
        reconcileEveryMs: 60_000,
        recampaignMs: 100,
      });
      return { name, decider, log };
    });
    const [d1, d2] = deciders as [(typeof deciders)[0], (typeof deciders)[0]];
    d1.decider.start();
    await until('d1 leads', () => (d1.decider.status().leader ? true : undefined));
    d2.decider.start();

    await store.putHeartbeat('test', 'n1', record('n1'));
    await store.putHeartbeat('test', 'n2', record('n2'));
    await poke.put('test/nodes/n1').value('1');
    const first = await until('v1 assigned', async () => {
      const a = (await store.loadAssignments('test')).assignments.find((x) => x.vip === 'v1');
      return a?.node ? a : undefined;
    });
    expect(first).toMatchObject({ node: 'n1', epoch: 1 });
    // The elected tick runs at once, the watched put asks for another: all on d1, none on d2.
    expect(d1.decider.status().ticks).toBeGreaterThanOrEqual(1);
    expect(d2.decider.status()).toMatchObject({ leader: false, ticks: 0 });

    await d1.decider.stop();
    await until('d2 leads', () => (d2.decider.status().leader ? true : undefined), 5000);
    expect(d1.decider.status().leader).toBe(false);

    await store.putHeartbeat('test', 'n1', record('n1', { leaving: true }));
    await poke.put('test/nodes/n1').value('2');
    const moved = await until('v1 moved off the leaving n1', async () => {
      const a = (await store.loadAssignments('test')).assignments.find((x) => x.vip === 'v1');
      return a?.node === 'n2' ? a : undefined;
    });
    expect(moved).toMatchObject({ node: 'n2', epoch: 2 });
    const events = (await store.listEvents('test')).events.filter((e) => e.kind === 'move');
    expect(events.map((e) => `${e.vip} ${e.from}→${e.to} ${e.reason}`)).toEqual([
      'v1 n1→n2 owner-leaving',
      'v1 null→n1 claim',
    ]);
    expect(d1.log.entries.some((e) => e.msg === 'elected decider')).toBe(true);
    expect(d2.log.entries.some((e) => e.msg === 'elected decider')).toBe(true);
    await d2.decider.stop();
  }, 20_000);
});
