import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, EtcdStore, type EtcdClient } from '../../adapters/etcd-store';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { etcdAgents, overlaps, TTL_MS, until, type EtcdAgents } from './etcd-agents';

/**
 * Real `ipferry agent` processes in etcd mode on a real etcd: they converge; kill -9 of an owner
 * moves its VIP within the lease TTL plus 1 s and no two live agents ever hold one VIP; the
 * decider killed just as a decision falls due leaves the assignments whole, and another agent
 * decides.
 */
let etcd: EtcdCluster;
let client: EtcdClient;
let store: EtcdStore;
let cluster: EtcdAgents | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  client = connectEtcd({ endpoints: etcd.endpoints });
  store = new EtcdStore({ client });
});
afterAll(async () => {
  await cluster?.close();
  client?.close();
  await etcd?.close();
});

const started = (a: EtcdAgents, node: string) =>
  a.procs.get(node)!.waitForLog((l) => l.msg === 'etcd mode started', 60_000);

describe('ipferry agent in etcd mode', () => {
  it('converges; kill -9 of an owner moves its VIP within TTL + 1 s, never two holders', async () => {
    cluster = await etcdAgents({
      endpoints: etcd.endpoints,
      nodes: ['n1', 'n2', 'n3'],
      vips: [
        { name: 'v1', preferred: 'n1' },
        { name: 'v2', preferred: 'n2' },
      ],
    });
    const c = cluster;
    for (const n of ['n1', 'n2', 'n3']) c.start(n);
    for (const n of ['n1', 'n2', 'n3']) await started(c, n);
    await until(
      'v1 on n1 and v2 on n2',
      () => (c.holders('v1').join() === 'n1' && c.holders('v2').join() === 'n2' ? true : undefined),
      20_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; holdings ${JSON.stringify(c.holdings())}; n1 said: ${c.procs
          .get('n1')!
          .logs.slice(-15)
          .map((l) => String(l.msg))
          .join(' | ')}`,
      );
    });
    const { assignments } = await store.loadAssignments('etcd-e2e');
    expect(assignments.map((a) => `${a.vip}@${a.node}`)).toEqual(['v1@n1', 'v2@n2']);

    const killedAt = Date.now();
    c.procs.get('n1')!.kill('SIGKILL');
    await c.procs.get('n1')!.exited();
    const taker = await until('v1 bound elsewhere', () => c.holders('v1').find((n) => n !== 'n1'), TTL_MS + 5000);
    const bound = c.holdings().find((h) => h.vip === 'v1' && h.node === taker)!;
    expect(bound.from - killedAt).toBeLessThanOrEqual(TTL_MS + 1000);
    // From the kill on (a planned move while converging may overlap for milliseconds: docs/etcd-mode.md).
    expect(overlaps(c.holdings().filter((h) => h.to === undefined || h.to >= killedAt))).toEqual([]);
    // The moves since the kill: converging under load may have moved v1 before it (a preempt to n1).
    const moves = (await store.listEvents('etcd-e2e')).events.filter(
      (e) => e.kind === 'move' && e.vip === 'v1' && e.at >= killedAt,
    );
    expect(moves[0]).toMatchObject({ from: 'n1', to: taker, reason: 'owner-dead' });
    await c.close();
    cluster = undefined;
  }, 120_000);

  it('the decider killed as a decision falls due: another decides, the assignments stay whole', async () => {
    cluster = await etcdAgents({
      endpoints: etcd.endpoints,
      nodes: ['n1', 'n2', 'n3'],
      vips: [
        { name: 'v1', preferred: 'n1' },
        { name: 'v2', preferred: 'n2' },
      ],
      prefix: '/decider-kill/',
    });
    const c = cluster;
    const own = new EtcdStore({ client, prefix: '/decider-kill/' });
    for (const n of ['n1', 'n2', 'n3']) c.start(n);
    for (const n of ['n1', 'n2', 'n3']) await started(c, n);
    await until(
      'converged on the preferred nodes',
      () => (c.holders('v1').join() === 'n1' && c.holders('v2').join() === 'n2' ? true : undefined),
      20_000,
    );
    const decider = await until('a decider', () => c.decider());
    // An owner that is not the decider fails its check; the decider is killed as it learns of it.
    const owner = ['v1', 'v2'].map((v) => c.holders(v)[0]!).find((n) => n !== decider)!;
    const vip = c.holders('v1')[0] === owner ? 'v1' : 'v2';
    const before = await own.loadAssignments('etcd-e2e');
    await c.fail(owner, true);
    await until('the owner writes its failing check to etcd', () =>
      c.procs.get(owner)!.logs.some((l) => l.msg === 'record written to etcd (check up)') ? true : undefined,
    );
    c.procs.get(decider)!.kill('SIGKILL');
    await c.procs.get(decider)!.exited();

    const next = await until(
      'another decider',
      () => (c.decider() !== decider ? c.decider() : undefined),
      TTL_MS + 5000,
    );
    expect(next).not.toBe(decider);
    await until(
      `${vip} off the unhealthy ${owner}`,
      () => {
        const h = c.holders(vip);
        return h.length === 1 && h[0] !== owner ? true : undefined;
      },
      TTL_MS + 5000,
    );
    const after = await own.loadAssignments('etcd-e2e');
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.assignments.map((a) => a.vip)).toEqual(['v1', 'v2']);
    for (const a of after.assignments) {
      expect(a.node).not.toBe(owner);
      expect(a.node === null || !c.exits.has(a.node)).toBe(true);
    }
    expect(c.holders('v1').length + c.holders('v2').length).toBe(2);
  }, 120_000);
});
