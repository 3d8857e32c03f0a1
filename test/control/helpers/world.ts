import type { Config } from '../../../core/config';
import type { ControlEvent } from '../../../core/ports';
import { DynamoDbStore } from '../../../adapters/dynamodb-store';
import {
  startLocalControlPlane,
  type LocalControlPlane,
  type LocalControlPlaneOptions,
} from '../../../control/local-server';
import { memoryLog } from '../../../lib/log';
import { hetznerCluster, signer } from './clusters';
import type { LocalDynamo } from './dynalite';
import { startHetzner } from './hetzner';
import { TestAgent } from './test-agent';
import { waitFor } from './wait';

/**
 * One end-to-end world: dynalite (DynamoDB through the real SDK), the Hetzner Cloud emulator
 * behind the real provider, the local control plane over HTTP on that store, and three test
 * agents (n1..n3) beating every heartbeatInterval with signed heartbeats.
 */
export async function startWorld(
  dynamo: LocalDynamo,
  opts: { config?: Config; cp?: Partial<LocalControlPlaneOptions> } = {},
) {
  const config = opts.config ?? hetznerCluster();
  const hz = await startHetzner(config.nodes);
  const table = await dynamo.newTable();
  const store = new DynamoDbStore({ client: dynamo.client, table });
  const log = memoryLog();
  const cp: LocalControlPlane = await startLocalControlPlane({
    config,
    log,
    store,
    providers: [hz.provider],
    listen: '127.0.0.1:0',
    reconcileEveryMs: 3_600_000,
    tuning: { moveDeadlineMs: 5000, leaseMs: 5000 },
    ...opts.cp,
  });
  const agents = Object.fromEntries(
    config.nodes.map((n) => [
      n.id,
      new TestAgent(n.id, { config, signer: signer(), url: () => `${cp.url}/v1/heartbeat` }),
    ]),
  );
  const interval = config.timers.heartbeatInterval;
  for (const a of Object.values(agents)) a.start(interval);

  const owner = async () => (await store.loadGroup(config.cluster)).assignments.find((a) => a.vip === 'mx');
  const world = {
    config,
    hz,
    store,
    table,
    log,
    cp,
    agents,
    owner,
    /** Waits until `node` owns mx, its agent applied the epoch, and the emulator routes it there. */
    async settledOn(node: string, timeoutMs = 3000) {
      const serverId = config.nodes.find((n) => n.id === node)!.hetzner!.serverId!;
      return waitFor(
        async () => {
          const a = await owner();
          return a?.node === node && agents[node]!.applied.mx === a.epoch && hz.holderServer() === serverId
            ? a
            : undefined;
        },
        { timeoutMs, what: `mx settled on ${node}` },
      );
    },
    /**
     * The move event of mx at `epoch`, once the provider call is recorded (its outcome) and the
     * timeline reaches `step`. The agent may report it bound before the tick records the outcome.
     */
    async moveEvent(epoch: number, step: 'verified' | 'bound' = 'verified', timeoutMs = 3000): Promise<ControlEvent> {
      return waitFor(
        async () =>
          (await store.listEvents(config.cluster, { limit: 100 })).events.find(
            (e) =>
              e.vip === 'mx' &&
              e.epoch === epoch &&
              e.kind === 'move' &&
              e.outcome !== undefined &&
              e.timeline?.[step] !== undefined,
          ),
        { timeoutMs, what: `the move of mx to epoch ${epoch} (${step})` },
      );
    },
    async close() {
      for (const a of Object.values(agents)) a.stop();
      await cp.close();
      await store.flush();
      await hz.close();
    },
  };
  return world;
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** The figures of one failover, from its event's timeline (ms). */
export function figures(e: ControlEvent, extra: Record<string, unknown> = {}) {
  const t = e.timeline!;
  return {
    reason: e.reason,
    detectMs: t.detected! - t.lastHeartbeat!,
    decideMs: t.decided! - t.detected!,
    apiMs: t.apiDone! - t.apiStart!,
    verifiedMs: t.verified! - t.lastHeartbeat!,
    boundMs: t.bound === undefined ? undefined : t.bound - t.lastHeartbeat!,
    ...extra,
  };
}
