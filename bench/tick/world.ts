import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { createTable, DynamoDbStore } from '../../adapters/dynamodb-store';
import { buildProviders } from '../../adapters/providers';
import { systemClock } from '../../lib/clock';
import type { Clock } from '../../core/clock';
import { loadConfig, type Config } from '../../core/config';
import { foldHeartbeat } from '../../core/node-view';
import type { NodeRecord, Provider } from '../../core/ports';
import { reportDeadline, type WatchState } from '../../core/witness';
import { controlContext, type ControlContext } from '../../control/context';
import { ringOf } from '../../control/group';
import { memoryLog } from '../../lib/log';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { seedFromConfig } from '../../sim/aws-ec2/from-config';
import { bigClusterConfig } from '../big-cluster';

/**
 * The EC2 emulator answers as slowly, and its reads lag its writes as much, as in the demo
 * (cli/demo/cloud.ts): a tick pays for every round trip it makes, and a move's verification
 * waits for the write to show, as against the real API.
 */
export const EC2_LATENCY_MS = 120;
export const EC2_LAG_MS = 250;

/**
 * The bench's clock: real time plus a shift the bench adds to (a node's silence is made to have
 * lasted deadAfter without waiting for it). It runs with real time because move deadlines are
 * read from it and compared with the providers' own clock (real time) as they poll.
 */
export class ShiftedClock implements Clock {
  private shift = 0;
  now(): number {
    return Date.now() + this.shift;
  }
  advance(ms: number): number {
    this.shift += ms;
    return this.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
  setTimer(ms: number, fire: () => void): () => void {
    return systemClock.setTimer(ms, fire);
  }
}

export interface TickWorld {
  config: Config;
  /** The control context on the current table (see `freshTable`). */
  readonly ctx: ControlContext;
  clock: ShiftedClock;
  ec2: Ec2Emulator;
  /** DynamoDB requests sent (every command through the real SDK client, retries not counted again). */
  dynamoCalls: { count: number };
  /** Starts over on a new, empty table: no assignments, no records (EC2 is left as it is). */
  freshTable(): Promise<void>;
  /** Writes every node's record as its latest report would: alive, and hearing every node it watches. */
  reportAll(): Promise<void>;
  /** The witnesses of `node` report it silent since `since` (what they say when it crashed). */
  silence(node: string, since: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * What one bench run needs, on 127.0.0.1: a fresh table in dynalite behind the real
 * DynamoDbStore, an EC2 emulator seeded from the config (instances, ENIs, and every VIP on its
 * preferred node's interface: a cluster whose addresses are already in place, as when ipferry
 * takes over a running fleet) and the real EC2 provider through @aws-sdk/client-ec2.
 */
export async function tickWorld(opts: {
  nodes: number;
  vips: number;
  subnets?: number;
  dynamoEndpoint: string;
}): Promise<TickWorld> {
  const config = loadConfig(
    bigClusterConfig({ nodes: opts.nodes, vips: opts.vips, ...(opts.subnets ? { subnets: opts.subnets } : {}) }),
  );
  const ec2 = new Ec2Emulator({
    seed: seedFromConfig(config),
    settings: { latencyMs: EC2_LATENCY_MS, consistencyLagMs: EC2_LAG_MS },
  });
  await ec2.start(0);
  const dynamo = new DynamoDBClient({
    endpoint: opts.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 2,
  });
  const dynamoCalls = { count: 0 };
  countRequests(dynamo, dynamoCalls);
  const providers = buildProviders({
    config,
    credentials: {
      aws: {
        region: 'us-east-1',
        ec2Endpoint: ec2.url,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      },
    },
    clock: systemClock,
    logger: pino({ enabled: false }),
  });
  const clock = new ShiftedClock();
  let tables = 0;
  const newContext = async () => {
    const table = `ipferry-bench-tick-${process.pid}-${++tables}`;
    await createTable(dynamo, table);
    const store = new DynamoDbStore({ client: dynamo, table });
    return controlContext({ config, store, clock, log: memoryLog(), providers, instance: 'bench-tick' });
  };
  let ctx = await newContext();
  const ring = ringOf(config);
  const bootAt = clock.now();
  let seq = 0;
  const put = async (id: string, watch: Record<string, WatchState>) => {
    const now = clock.now();
    seq += 1;
    // As control/heartbeat.ts builds it from a report: the folded view, the replay guard, what was applied, what it watches.
    const view = foldHeartbeat(
      undefined,
      id,
      { bootId: `boot-${id}`, checks: {}, held: [], leaving: false, configDigest: ctx.digest },
      now,
      reportDeadline(config),
    );
    const record: NodeRecord = {
      view: { ...view, aliveSince: bootAt, draining: false },
      guard: { bootId: `boot-${id}`, seq, sentAt: now },
      applied: {},
      watch,
    };
    const r = await ctx.store.putHeartbeat(config.cluster, id, record);
    if (!r.ok) throw new Error(`bench: the record of ${id} was refused: ${r.message}`);
  };
  const hearing = (id: string): Record<string, WatchState> =>
    Object.fromEntries(ring.watchedBy(id).map((x) => [x, { heard: true, since: bootAt }]));
  const silenced = new Map<string, number>();
  const watchOf = (id: string) => {
    const watch = hearing(id);
    for (const [x, since] of silenced) if (x in watch) watch[x] = { heard: false, since };
    return watch;
  };
  return {
    config,
    get ctx() {
      return ctx;
    },
    clock,
    ec2,
    dynamoCalls,
    async freshTable() {
      ctx = await newContext();
      silenced.clear();
    },
    async reportAll() {
      await inBatches(
        config.nodes.map((n) => n.id).filter((id) => !silenced.has(id)),
        32,
        (id) => put(id, watchOf(id)),
      );
    },
    async silence(node, since) {
      silenced.set(node, since);
      await inBatches(
        [...ring.witnessesOf(node)].filter((w) => !silenced.has(w)),
        32,
        (w) => put(w, watchOf(w)),
      );
    },
    async close() {
      for (const p of new Set(providers.values())) (p as Provider & { close?: () => void }).close?.();
      dynamo.destroy();
      await ec2.close();
    },
  };
}

/** Runs `fn` over `items`, at most `width` at once (a bounded fan-out, like agents' reports arriving together). */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/** Counts every request the client sends (each command, retries of a command included once). */
function countRequests(client: DynamoDBClient, into: { count: number }): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      into.count += 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
}
