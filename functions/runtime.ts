import { randomBytes } from 'node:crypto';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import pino from 'pino';
import { heartbeatVerifier, type HeartbeatVerifier } from '../core/heartbeat';
import type { VipKind } from '../core/config/vips';
import type { Provider, RecordSetPublisher } from '../core/ports';
import { DynamoDbStore } from '../adapters/dynamodb-store';
import { buildProviders, buildRecordSetPublisher, type ProviderEnv } from '../adapters/providers';
import { systemClock } from '../lib/clock';
import { errorText } from '../lib/log';
import { errorResult, type UrlResult } from './url-event';
import { controlContext, type ControlContext, type Tuning } from '../control/context';
import { makeLogger, makeMetrics, powertoolsLog } from './observability';
import { controlSecrets } from '../control/secrets';
import { configFromEnv } from './deployed-config';
import { secretsManager, type SecretReader } from './secrets';

/** What every handler works with; built once per Lambda container (module scope), on first use. */
export interface Runtime {
  ctx: ControlContext;
  verifier: HeartbeatVerifier;
  store: DynamoDbStore;
  logger: Logger;
  metrics: Metrics;
}

export interface RuntimeDeps {
  env?: NodeJS.ProcessEnv;
  readSecret?: SecretReader;
  dynamo?: DynamoDBClient;
  /** Overrides the providers built from the config (tests on emulators; other runtimes). */
  providers?: ReadonlyMap<VipKind, Provider>;
  publisher?: RecordSetPublisher;
  tuning?: Partial<Tuning>;
}

/**
 * Reads the environment the CDK app sets (docs/aws-runtime.md): IPFERRY_CONFIG_FILE and
 * IPFERRY_CONFIG_DIGEST (the config in the code asset; IPFERRY_CONFIG, its text, also works),
 * IPFERRY_TABLE, and the secrets the config needs, found by control/secrets.ts exactly as the local
 * control plane finds them. A config that does not validate, or a secret that cannot be read,
 * fails the build with a message naming it. DynamoDB's endpoint comes from the SDK's own
 * AWS_ENDPOINT_URL_DYNAMODB.
 */
export async function createRuntime(deps: RuntimeDeps = {}): Promise<Runtime> {
  const env = deps.env ?? process.env;
  const readSecret = deps.readSecret ?? secretsManager;
  const config = configFromEnv(env);
  const logger = makeLogger();
  logger.appendKeys({ cluster: config.cluster });
  const log = powertoolsLog(logger);
  // No readFile: security.pskFile is a path on the agents' hosts, never in a Lambda.
  const { psk, credentials } = await controlSecrets({ config, env, readSecret });
  const verifier = heartbeatVerifier(config, psk === undefined ? {} : { psk });
  const table =
    env.IPFERRY_TABLE ??
    (config.control.mode === 'aws' ? config.control.table : undefined) ??
    `ipferry-${config.cluster}`;
  const store = new DynamoDbStore({
    client: deps.dynamo ?? new DynamoDBClient({}),
    table,
    onHousekeepingError: (err) => log.warn('store housekeeping failed', { error: String(err) }),
  });
  const providerEnv: ProviderEnv = {
    config,
    credentials,
    clock: systemClock,
    logger: pino({ base: { service: 'ipferry', cluster: config.cluster } }),
  };
  const providers = deps.providers ?? buildProviders(providerEnv);
  const publisher = deps.publisher ?? buildRecordSetPublisher(providerEnv);
  const ctx = controlContext({
    config,
    store,
    clock: systemClock,
    log,
    providers,
    ...(publisher ? { publisher } : {}),
    instance: `lambda-${randomBytes(6).toString('hex')}`,
    ...(deps.tuning ? { tuning: deps.tuning } : {}),
  });
  log.info('runtime ready', {
    table,
    digest: ctx.digest,
    nodes: config.nodes.length,
    vips: config.vips.length,
    kinds: [...new Set(config.vips.map((v) => v.kind))],
  });
  return { ctx, verifier, store, logger, metrics: makeMetrics(config.cluster, env) };
}

export { configFromEnv };

/**
 * One runtime per container: built on the first invocation and reused. A failed build is not
 * kept, so the next invocation tries again (a secret read can fail transiently).
 */
export function runtimeOnce(build: () => Promise<Runtime>): () => Promise<Runtime> {
  let pending: Promise<Runtime> | undefined;
  return () => {
    pending ??= build().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** The control context for one invocation: a move may take until shortly before the function would be cut off, never longer. */
export function forInvocation(ctx: Runtime['ctx'], context?: Context): Runtime['ctx'] {
  if (!context) return ctx;
  const budget = Math.max(1000, context.getRemainingTimeInMillis() - 3000);
  return {
    ...ctx,
    tuning: { ...ctx.tuning, maxMoveDeadlineMs: Math.min(ctx.tuning.maxMoveDeadlineMs ?? budget, budget) },
  };
}

/**
 * A function URL handler over a runtime built once per container: when the runtime cannot start
 * (a bad config, a secret that cannot be read) the caller gets a 500 that says why, and the log too.
 */
export function urlHandler(
  runtime: () => Promise<Runtime>,
  inner: (rt: Runtime, event: LambdaFunctionURLEvent, context?: Context) => Promise<UrlResult>,
): (event: LambdaFunctionURLEvent, context?: Context) => Promise<UrlResult> {
  return async (event, context) => {
    let rt: Runtime;
    try {
      rt = await runtime();
    } catch (err) {
      console.error(
        JSON.stringify({ level: 'ERROR', message: 'ipferry runtime failed to start', error: errorText(err) }),
      );
      return errorResult(500, 'invalid', `control plane misconfigured: ${errorText(err)}`);
    }
    return inner(rt, event, context);
  };
}
