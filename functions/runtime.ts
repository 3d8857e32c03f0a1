import { randomBytes } from 'node:crypto';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import pino from 'pino';
import { ConfigError, parseConfigText, type Config } from '../core/config';
import { heartbeatVerifier, type HeartbeatVerifier } from '../core/heartbeat';
import type { VipKind } from '../core/config/vips';
import type { Provider, RecordSetPublisher } from '../core/ports';
import { DynamoDbStore } from '../adapters/dynamodb-store';
import { buildProviders, buildRecordSetPublisher, FAMILY_OF_KIND, type ProviderCredentials, type ProviderEnv } from '../adapters/providers';
import { systemClock } from '../adapters/retry';
import { errorText } from '../control/log';
import { errorResult, type UrlResult } from './url-event';
import { controlContext, type ControlContext, type Tuning } from '../control/context';
import { makeLogger, makeMetrics, powertoolsLog } from './observability';
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
 * Reads the environment the CDK app sets (docs/aws-runtime.md): IPFERRY_CONFIG (the config's
 * text), IPFERRY_TABLE, and the secrets the config's VIP kinds need. A config that does not
 * validate, or a secret that cannot be read, fails the build with a message naming it.
 * For emulators and local runs: IPFERRY_PSK, IPFERRY_HETZNER_TOKEN (instead of the secrets),
 * IPFERRY_HETZNER_API_URL, IPFERRY_ROBOT_API_URL; DynamoDB's endpoint from the SDK's own
 * AWS_ENDPOINT_URL_DYNAMODB.
 */
export async function createRuntime(deps: RuntimeDeps = {}): Promise<Runtime> {
  const env = deps.env ?? process.env;
  const readSecret = deps.readSecret ?? secretsManager;
  const config = configFromEnv(env);
  const logger = makeLogger();
  logger.appendKeys({ cluster: config.cluster });
  const log = powertoolsLog(logger);
  const psk = config.security.signing === 'hmac-sha256' ? await pskFrom(env, config, readSecret) : undefined;
  const verifier = heartbeatVerifier(config, psk === undefined ? {} : { psk });
  const table = env.IPFERRY_TABLE ?? (config.control.mode === 'aws' ? config.control.table : undefined) ?? `ipferry-${config.cluster}`;
  const store = new DynamoDbStore({ client: deps.dynamo ?? new DynamoDBClient({}), table, onHousekeepingError: (err) => log.warn('store housekeeping failed', { error: String(err) }) });
  const providerEnv: ProviderEnv = { config, credentials: await credentialsFrom(env, config, readSecret), clock: systemClock, logger: pino({ base: { service: 'ipferry', cluster: config.cluster } }) };
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
  log.info('runtime ready', { table, digest: ctx.digest, nodes: config.nodes.length, vips: config.vips.length, kinds: [...new Set(config.vips.map((v) => v.kind))] });
  return { ctx, verifier, store, logger, metrics: makeMetrics(config.cluster) };
}

export function configFromEnv(env: NodeJS.ProcessEnv): Config {
  const text = env.IPFERRY_CONFIG;
  if (!text) throw new ConfigError([{ path: '(env)', message: 'IPFERRY_CONFIG is not set: it must hold the config file\'s text' }]);
  const r = parseConfigText(text);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.config;
}

async function pskFrom(env: NodeJS.ProcessEnv, config: Config, readSecret: SecretReader): Promise<string> {
  if (env.IPFERRY_PSK) return env.IPFERRY_PSK;
  if (env.IPFERRY_PSK_SECRET) return (await readSecret(env.IPFERRY_PSK_SECRET)).trim();
  const named = config.security.pskEnv ? env[config.security.pskEnv] : undefined;
  if (named) return named;
  if (config.security.psk) return config.security.psk;
  throw new Error('hmac-sha256 heartbeats need the pre-shared key: set IPFERRY_PSK_SECRET (or IPFERRY_PSK)');
}

/** Only the secrets the config's VIP kinds need are read. */
async function credentialsFrom(env: NodeJS.ProcessEnv, config: Config, readSecret: SecretReader): Promise<ProviderCredentials> {
  const families = new Set(config.vips.map((v) => FAMILY_OF_KIND[v.kind]));
  const credentials: ProviderCredentials = {};
  if (families.has('hetzner-cloud')) {
    const token = env.IPFERRY_HETZNER_TOKEN ?? (env.IPFERRY_HETZNER_TOKEN_SECRET ? (await readSecret(env.IPFERRY_HETZNER_TOKEN_SECRET)).trim() : undefined);
    if (!token) throw new Error('hetzner-floating-ip / hetzner-alias-ip VIPs need IPFERRY_HETZNER_TOKEN_SECRET');
    credentials.hetznerCloud = { token, ...(env.IPFERRY_HETZNER_API_URL ? { baseUrl: env.IPFERRY_HETZNER_API_URL } : {}) };
  }
  if (families.has('hetzner-robot')) {
    if (!env.IPFERRY_ROBOT_SECRET) throw new Error('hetzner-robot-failover-ip VIPs need IPFERRY_ROBOT_SECRET');
    const robot = JSON.parse(await readSecret(env.IPFERRY_ROBOT_SECRET)) as { user?: unknown; password?: unknown };
    if (typeof robot.user !== 'string' || typeof robot.password !== 'string') throw new Error('IPFERRY_ROBOT_SECRET must hold {"user":"…","password":"…"}');
    credentials.hetznerRobot = { user: robot.user, password: robot.password, ...(env.IPFERRY_ROBOT_API_URL ? { baseUrl: env.IPFERRY_ROBOT_API_URL } : {}) };
  }
  return credentials;
}

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
  const budget = context ? Math.max(1000, context.getRemainingTimeInMillis() - 3000) : ctx.tuning.moveDeadlineMs;
  return { ...ctx, tuning: { ...ctx.tuning, moveDeadlineMs: Math.min(ctx.tuning.moveDeadlineMs, budget) } };
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
      console.error(JSON.stringify({ level: 'ERROR', message: 'ipferry runtime failed to start', error: errorText(err) }));
      return errorResult(500, 'invalid', `control plane misconfigured: ${errorText(err)}`);
    }
    return inner(rt, event, context);
  };
}
