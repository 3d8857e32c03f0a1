import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config, NodeSpec } from '../../core/config';
import type { Signer } from '../../core/heartbeat';
import type { HostNet } from '../../core/ports';
import { connectCoordination } from '../../adapters/etcd-coordination/connect';
import { etcdElection } from '../../adapters/etcd-coordination/election';
import { watchPrefix } from '../../adapters/etcd-coordination/watch';
import { controlContext } from '../../control/context';
import { EtcdDecider } from '../../control/etcd/decider';
import { leaseLiveness } from '../../control/etcd/lease-views';
import { systemClock } from '../../lib/clock';
import { pinoLog } from '../../lib/log';
import type { Agent, StopReport } from '../agent';
import type { AgentMetrics } from '../ops';
import type { BindGate } from '../reconcile';
import { connectEtcd, EtcdStore, holdNodeLease, type EtcdConnectOptions } from '../../adapters/etcd-store';
import { prefixEnd } from '../../adapters/etcd-store/client';
import { assignmentWatch } from './assignment-watch';
import { startEtcdAgent } from './etcd-agent';
import { nodeSession } from './node-session';
import { waitForEtcd } from './wait-for-etcd';

export interface EtcdRuntimeOptions {
  config: Config;
  node: NodeSpec;
  signer: Signer;
  hostNet: HostNet;
  hostNetKind: string;
  metrics?: AgentMetrics;
  gate?: BindGate | undefined;
  logger: Logger;
  /** Where etcd is and how to reach it (from control.endpoints, tls, auth). */
  connect: EtcdConnectOptions;
  /** Key prefix (control.prefix), default /ipferry/. */
  prefix?: string;
  /** Ends the wait for an unreachable etcd (a stop signal while starting); rejects with its reason. */
  signal?: AbortSignal;
  /** Back-off between probes of an unreachable etcd, ms (wait-for-etcd.ts defaults). */
  retry?: { firstDelayMs?: number; maxDelayMs?: number };
}

/**
 * etcd mode, wired: the etcd store (request-answer calls) and a second client for what streams
 * (watches, the election); this node's session (its record, its lease); the assignment watch
 * the reconciler follows; and the decider, over the same store seen through leaseLiveness. The
 * one file of agent/ allowed to reach control/ and adapters/ (scripts/lint/layers.js).
 */
export async function startEtcdRuntime(o: EtcdRuntimeOptions): Promise<{
  agent: Agent;
  status: () => object;
  stop: () => Promise<StopReport>;
}> {
  const { config, node, logger } = o;
  const log = logger.child({ part: 'etcd' });
  const client = connectEtcd(o.connect);
  const store = new EtcdStore({ client, ...(o.prefix ? { prefix: o.prefix } : {}) });
  const streams = connectCoordination(o.connect);
  const closeClients = () => {
    streams.close();
    client.close();
  };
  const group = config.cluster;
  try {
    await waitForEtcd({
      probe: () => client.range({ key: store.keys.group(group), countOnly: true }, 'reach etcd'),
      endpoints: o.connect.endpoints,
      clock: systemClock,
      logger: log,
      ...(o.signal ? { signal: o.signal } : {}),
      ...o.retry,
    });
  } catch (err) {
    closeClients();
    throw err;
  }
  const trouble = (message: string) => log.warn({ detail: message }, message);
  // The node lease and the election's: the config's (deadAfter rounded up, at least etcd's minimum).
  const ttlSeconds =
    config.control.mode === 'etcd'
      ? config.control.lease.ttlSeconds
      : Math.max(2, Math.ceil(config.timers.deadAfter / 1000));
  const alives = store.keys.alives(group);
  const assignments = assignmentWatch({
    read: () => store.loadAssignments(group),
    watch: (changed) => watchPrefix(streams, store.keys.assignments(group), () => changed(), trouble),
    logger: log,
  });
  try {
    await assignments.started;
  } catch (err) {
    closeClients();
    throw new Error(
      `etcd at ${o.connect.endpoints.join(', ')}: cannot watch the assignments: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const ctx = controlContext({
    config,
    store: leaseLiveness(store, systemClock, config.timers.deadAfter, async () => {
      const r = await client.range(
        { key: alives, end: prefixEnd(alives), keysOnly: true },
        `read live nodes of ${group}`,
      );
      return new Set(r.kvs.map((kv) => decodeURIComponent(kv.key.slice(alives.length))));
    }),
    clock: systemClock,
    log: pinoLog(logger.child({ part: 'decider' })),
    instance: node.id,
  });
  const decider = new EtcdDecider({
    ctx,
    election: etcdElection(streams, {
      name: `${store.keys.group(group)}election`,
      ttlSeconds,
      value: node.id,
    }),
    changes: {
      watch(changed) {
        // Node records, liveness keys (deleted by lease expiry) and drain flags: what decisions read besides the assignments.
        const inputs = [store.keys.nodes(group), alives, store.keys.drains(group)];
        const watches = inputs.map((prefix) =>
          watchPrefix(streams, prefix, (c) => changed(`etcd: ${c.kind} ${c.key}`), trouble),
        );
        return {
          async stop() {
            for (const w of await Promise.allSettled(watches)) if (w.status === 'fulfilled') await w.value.stop();
          },
        };
      },
    },
  });
  const running = await startEtcdAgent({
    config,
    node,
    signer: o.signer,
    hostNet: o.hostNet,
    hostNetKind: o.hostNetKind,
    clock: systemClock,
    logger,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.gate ? { gate: o.gate } : {}),
    session: nodeSession({
      logger: log,
      calls: {
        async putRecord(record) {
          const r = await store.putHeartbeat(group, node.id, record);
          if (!r.ok) throw new Error(`record refused: ${r.message}`);
        },
        holdLease: (onLost) =>
          holdNodeLease({
            client,
            key: store.keys.alive(group, node.id),
            value: '{}',
            ttlSeconds,
            clock: systemClock,
            onLost,
          }),
      },
    }),
    assignments,
    decider,
  });
  return {
    agent: running.agent,
    status: running.status,
    async stop() {
      const report = await running.stop();
      closeClients();
      return report;
    },
  };
}

/** control.endpoints, tls and auth as the etcd clients take them: the TLS files and the password file read now. */
export async function etcdConnection(config: Config): Promise<{ connect: EtcdConnectOptions; prefix: string }> {
  const c = config.control;
  if (c.mode !== 'etcd') throw new Error(`control.mode is ${c.mode}, not etcd`);
  const read = async (field: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`control.${field} ${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const tls = c.tls
    ? {
        ca: await read('tls.caFile', c.tls.caFile),
        ...(c.tls.certFile ? { cert: await read('tls.certFile', c.tls.certFile) } : {}),
        ...(c.tls.keyFile ? { key: await read('tls.keyFile', c.tls.keyFile) } : {}),
      }
    : undefined;
  const auth = c.auth
    ? {
        username: c.auth.username,
        password: (await read('auth.passwordFile', c.auth.passwordFile)).toString('utf8').replace(/\r?\n$/, ''),
      }
    : undefined;
  return {
    connect: {
      endpoints: c.endpoints,
      callTimeoutMs: c.callTimeout,
      ...(tls ? { tls } : {}),
      ...(auth ? { auth } : {}),
    },
    prefix: c.prefix,
  };
}

/** etcd mode as `ipferry agent` starts it: the connection from the config, and what a reload reaches. */
export async function startEtcdMode(o: {
  config: Config;
  node: NodeSpec;
  signer: Signer;
  host: { hostNet: HostNet; kind: string };
  metrics: AgentMetrics;
  logger: Logger;
  gate: BindGate | undefined;
  /** Aborted when the daemon is asked to stop: a start still waiting for etcd ends at once. */
  stop?: AbortSignal;
}) {
  const { host, stop, ...rest } = o;
  const connection = await etcdConnection(o.config);
  const rt = await startEtcdRuntime({
    ...rest,
    hostNet: host.hostNet,
    hostNetKind: host.kind,
    ...connection,
    ...(stop ? { signal: stop } : {}),
  });
  return { ...rt, reload: { agent: rt.agent } };
}
