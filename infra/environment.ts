import { Token } from 'aws-cdk-lib';
import { ConfigError } from '../core/config';
import { SECRET_ENV, type ClusterSecret } from './secrets';

/** Lambda refuses a function whose environment (names and values together) exceeds 4 KB. */
export const LAMBDA_ENV_LIMIT = 4096;

/** The config's file name inside each function's asset (functions/deployed-config.ts reads it). */
export const ASSET_CONFIG_NAME = 'ipferry-config.json';

/** What an unresolved value (a table name or an ARN from another resource) can take at most. */
const TOKEN_ALLOWANCE = 128;

export interface EnvironmentInput {
  /** configDigest of the deployed config: the functions refuse a config file without it. */
  digest: string;
  table: string;
  secrets: readonly ClusterSecret[];
  detailedMetrics: boolean;
}

/**
 * The environment docs/aws-runtime.md promises the functions: a pointer to the config in the
 * asset and its digest (never the config itself, so its size is not bounded by the 4 KB), the
 * table, secrets only where the config needs them.
 */
export function functionEnvironment(input: EnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    IPFERRY_CONFIG_FILE: ASSET_CONFIG_NAME,
    IPFERRY_CONFIG_DIGEST: input.digest,
    IPFERRY_TABLE: input.table,
    IPFERRY_METRICS: input.detailedMetrics ? 'detailed' : 'essential',
    POWERTOOLS_SERVICE_NAME: 'ipferry',
    POWERTOOLS_METRICS_NAMESPACE: 'ipferry',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // The bundles are minified with source maps: stack traces in the logs point at the sources.
    NODE_OPTIONS: '--enable-source-maps',
  };
  for (const s of input.secrets) env[SECRET_ENV[s.role]] = s.arn;
  const size = environmentSize(env);
  if (size > LAMBDA_ENV_LIMIT) {
    // Only a table name or secret ARNs of absurd length can get here: the config is not in it.
    throw new ConfigError([
      {
        path: '(root)',
        message: `the functions' environment would take ${size} bytes, over Lambda's limit of ${LAMBDA_ENV_LIMIT}`,
      },
    ]);
  }
  return env;
}

/** Bytes of names and values, as Lambda counts them against its limit. */
export function environmentSize(env: Record<string, string>): number {
  return Object.entries(env).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + (Token.isUnresolved(v) ? TOKEN_ALLOWANCE : Buffer.byteLength(v)),
    0,
  );
}
