import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { buildProviders } from '../../adapters/providers';
import { createTable } from '../../adapters/dynamodb-store';
import { systemClock } from '../../lib/clock';
import type { Clock } from '../../core/clock';
import { createRuntime, type Runtime } from '../../functions/runtime';
import type { FunctionName } from '../../infra/props';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { seedFromConfig } from '../../sim/aws-ec2/from-config';
import { countCapacity, emptyCapacity, type Capacity } from './capacity';
import type { CostCluster } from './cluster';
import { LogCapture } from './logs';
import type { StackFacts } from './template';

/**
 * The bench's clock: it stands still between steps and jumps to the time the workload model
 * says a message is sent, so a sample of a few hundred messages stands for the spacing of a real
 * month (a node's keepalive every 30 s, not every few milliseconds) without waiting for it.
 */
export class StepClock implements Clock {
  private t = Date.now();
  now(): number {
    return this.t;
  }
  /** Moves to `at`, or 1 ms on when `at` is not later: time never runs backwards. */
  advanceTo(at: number): number {
    this.t = Math.max(at, this.t + 1);
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
  setTimer(ms: number, fire: () => void): () => void {
    return systemClock.setTimer(ms, fire);
  }
}

/** One Lambda container per function, each with the runtime the handler would build, on the bench's clock. */
export interface CostWorld {
  runtimes: Record<FunctionName, Runtime>;
  clock: StepClock;
  capacity: Capacity;
  logs: LogCapture;
  ec2: Ec2Emulator;
  close(): Promise<void>;
}

/** EC2 answers as slowly as the demo's emulator (docs/benchmarks.md): the tick's billed time includes its waits. */
const EC2_LATENCY_MS = 120;

/**
 * Starts what one case needs on 127.0.0.1 — a fresh table in the shared dynalite and an EC2
 * emulator seeded from the config — and builds each function's runtime with createRuntime, as the
 * handler modules do: the environment from the synthesized template, the DynamoDB client (with
 * consumed capacity counted) and the providers pointed at the emulator. The log capture runs from
 * here on; the caller stops it through close().
 */
export async function costWorld(cluster: CostCluster, facts: StackFacts, dynamoEndpoint: string): Promise<CostWorld> {
  const capacity = emptyCapacity();
  const dynamo = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 2,
  });
  const table = `ipferry-cost-${Math.random().toString(16).slice(2, 10)}`;
  await createTable(dynamo, table);
  countCapacity(dynamo, capacity);
  const ec2 = new Ec2Emulator({ seed: seedFromConfig(cluster.config), settings: { latencyMs: EC2_LATENCY_MS } });
  await ec2.start(0);
  const logs = new LogCapture();
  const clock = new StepClock();
  const saved = { ...process.env };
  logs.start();
  try {
    const runtimes = {} as Record<FunctionName, Runtime>;
    for (const fn of ['heartbeat', 'tick', 'api'] as const) {
      // Powertools reads its settings when the logger and metrics are built: give each container its own.
      // The config comes inline instead of from the asset's file (no bundle here); the digest the
      // template pins still checks it, unless the template was synthesized from the fallback config.
      const { IPFERRY_CONFIG_FILE: _file, IPFERRY_CONFIG_DIGEST: digest, ...templateEnv } = facts.environment[fn];
      const pinned =
        digest !== undefined && facts.synthesizedNodes === cluster.config.nodes.length
          ? { IPFERRY_CONFIG_DIGEST: digest }
          : {};
      Object.assign(process.env, templateEnv, pinned, {
        _X_AMZN_TRACE_ID: 'Root=1-675a3c2e-4f8b2d6a1c9e7f3b5d0a8c2e;Parent=6b1ae2ab04eb5f6a;Sampled=0',
      });
      delete process.env.IPFERRY_CONFIG_FILE;
      const env = { ...process.env, IPFERRY_CONFIG: cluster.text, IPFERRY_TABLE: table };
      const providers = buildProviders({
        config: cluster.config,
        credentials: {
          aws: {
            region: 'us-east-1',
            ec2Endpoint: ec2.url,
            credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
          },
        },
        clock: systemClock,
        // runtime.ts builds the same logger (same base fields); in Lambda it writes to stdout.
        logger: pino({ base: { service: 'ipferry', cluster: cluster.config.cluster } }, logs.stream),
      });
      const rt = await createRuntime({ env, dynamo, providers });
      runtimes[fn] = { ...rt, ctx: { ...rt.ctx, clock } };
    }
    logs.takeLines();
    return {
      runtimes,
      clock,
      capacity,
      logs,
      ec2,
      async close() {
        logs.stop();
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
        dynamo.destroy();
        await ec2.close();
      },
    };
  } catch (err) {
    logs.stop();
    dynamo.destroy();
    await ec2.close();
    throw err;
  }
}
