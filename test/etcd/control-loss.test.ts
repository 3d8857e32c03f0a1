import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEtcd, EtcdStore } from '../../adapters/etcd-store';
import { startEtcdRuntime } from '../../agent/etcd/runtime';
import { RecordingHostNet } from '../../agent/hostnet/recording';
import { hmacSigner } from '../../core/heartbeat';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { lan } from '../helpers/configs';

/**
 * Three agents on a three-member etcd. One member down: decisions still happen (a drain moves a
 * VIP). Quorum down: etcd is lost, each VIP follows its onControlLoss — `release` unbound
 * everywhere, `hold` kept where it was. Quorum back: the released VIP is bound again where the
 * assignments (unchanged meanwhile) put it.
 */
const PSK = 'test-psk-0123456789abcdef';
const config = lan({
  nodes: 3,
  control: { mode: 'local', liveness: 'direct' },
  timers: { heartbeatInterval: 200, deadAfter: 2000, minHold: 0 },
  vips: [
    { name: 'v1', preferred: 'n1', onControlLoss: 'release' },
    { name: 'v2', preferred: 'n2', onControlLoss: 'hold' },
  ],
});
const ADDRESS: Record<string, string> = { v1: '198.18.0.101', v2: '198.18.0.102' };

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd({ members: 3 });
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

describe('etcd mode losing etcd members', () => {
  it('works on two of three members, applies onControlLoss without quorum, and recovers', async () => {
    const logger = pino({ level: 'silent' });
    const hosts = new Map(config.nodes.map((n) => [n.id, new RecordingHostNet({ reason: 'test' })]));
    const agents: Array<Awaited<ReturnType<typeof startEtcdRuntime>>> = [];
    for (const node of config.nodes)
      agents.push(
        await startEtcdRuntime({
          config,
          node,
          signer: hmacSigner(PSK),
          hostNet: hosts.get(node.id)!,
          hostNetKind: 'recording',
          logger: logger.child({ node: node.id }),
          connect: { endpoints: etcd.endpoints },
        }),
      );
    const client = connectEtcd({ endpoints: etcd.endpoints });
    const store = new EtcdStore({ client });
    const holders = async (vip: string) => {
      const out: string[] = [];
      for (const [id, h] of hosts) if ((await h.bound(['eth0'])).has(ADDRESS[vip]!)) out.push(id);
      return out.join();
    };
    const placed = (v1: string, v2: string) => async () =>
      (await holders('v1')) === v1 && (await holders('v2')) === v2 ? true : undefined;
    try {
      await until('v1 on n1, v2 on n2', placed('n1', 'n2'));

      await etcd.kill(0);
      // The test's own writes may meet etcd electing a new leader: retried, bounded.
      await until('drain set', () =>
        store.setDraining('test', 'n1', true, Date.now()).then(
          () => true,
          () => undefined,
        ),
      );
      await until('v1 drained off n1 with one member down', placed('n3', 'n2'));
      await until('drain cleared', () =>
        store.setDraining('test', 'n1', false, Date.now()).then(
          () => true,
          () => undefined,
        ),
      );

      await etcd.kill(1);
      const lostAt = Date.now();
      // Keepalives fail from now: no answer once the lease is TTL old, onControlLoss deadAfter later.
      await until('v1 released, v2 held', placed('', 'n2'), 8000);
      const releasedAfter = Date.now() - lostAt;
      expect(releasedAfter).toBeLessThan(2000 + 2000 + 1500);
      expect(await holders('v2')).toBe('n2');

      await etcd.restart(1);
      await until('v1 bound again on n3 with quorum back', placed('n3', 'n2'), 8000);
      const moves = (await store.listEvents('test')).events.filter((e) => e.kind === 'move');
      // Newest first: the drain was the last move; losing quorum and regaining it moved nothing.
      expect(`${moves[0]?.vip} ${moves[0]?.from}→${moves[0]?.to} ${moves[0]?.reason}`).toBe('v1 n1→n3 drain');
    } finally {
      for (const a of agents) await a.stop();
      client.close();
    }
  }, 30_000);
});
