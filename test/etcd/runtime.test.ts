import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, EtcdStore } from '../../adapters/etcd-store';
import { startEtcdRuntime } from '../../agent/etcd/runtime';
import { RecordingHostNet } from '../../agent/hostnet/recording';
import { hmacSigner } from '../../core/heartbeat';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { lan } from '../helpers/configs';

/**
 * etcd mode in one process: three agents (recording host networks) on a real etcd, each with its
 * node session, assignment watch and decider. They converge (one decider, every VIP bound once),
 * and a planned stop moves the leaving node's VIPs with reason owner-leaving.
 */
const PSK = 'test-psk-0123456789abcdef';
const config = lan({
  nodes: 3,
  control: { mode: 'local', liveness: 'direct' },
  timers: { heartbeatInterval: 200, deadAfter: 2000, minHold: 0 },
  vips: [
    { name: 'v1', preferred: 'n1' },
    { name: 'v2', preferred: 'n2' },
  ],
});

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.close();
});

async function until<T>(what: string, read: () => T | undefined | Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('etcd runtime, in process', () => {
  it('converges with one decider, and a planned stop hands the VIPs over (owner-leaving)', async () => {
    const logger = pino({ level: 'silent' });
    const hosts = new Map(config.nodes.map((n) => [n.id, new RecordingHostNet({ reason: 'test' })]));
    const start = (id: string) =>
      startEtcdRuntime({
        config,
        node: config.nodes.find((n) => n.id === id)!,
        signer: hmacSigner(PSK),
        hostNet: hosts.get(id)!,
        hostNetKind: 'recording',
        logger: logger.child({ node: id }),
        connect: { endpoints: etcd.endpoints },
        prefix: '/runtime-test/',
      });
    const agents = new Map<string, Awaited<ReturnType<typeof start>>>();
    for (const id of ['n1', 'n2', 'n3']) agents.set(id, await start(id));
    const client = connectEtcd({ endpoints: etcd.endpoints });
    const store = new EtcdStore({ client, prefix: '/runtime-test/' });
    try {
      const holders = async (vip: string) => {
        const out: string[] = [];
        for (const [id, h] of hosts)
          if ((await h.bound(['eth0'])).has(vip === 'v1' ? '198.18.0.101' : '198.18.0.102')) out.push(id);
        return out;
      };
      await until('v1 on n1, v2 on n2', async () =>
        (await holders('v1')).join() === 'n1' && (await holders('v2')).join() === 'n2' ? true : undefined,
      );
      const leaders = [...agents.values()].filter(
        (a) => (a.status() as { decider: { leader: boolean } }).decider.leader,
      );
      expect(leaders).toHaveLength(1);

      const stopped = await agents.get('n1')!.stop();
      agents.delete('n1');
      expect(stopped.ok).toBe(true);
      await until('v1 moved off n1', async () => ((await holders('v1')).join() === 'n3' ? true : undefined));
      expect(await holders('v2')).toEqual(['n2']);
      const moves = (await store.listEvents('test')).events.filter((e) => e.kind === 'move' && e.vip === 'v1');
      expect(moves[0]).toMatchObject({ from: 'n1', to: 'n3', reason: 'owner-leaving' });
    } finally {
      for (const a of agents.values()) await a.stop();
      client.close();
    }
  }, 20_000);
});
