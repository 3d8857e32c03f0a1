import { Token } from 'aws-cdk-lib';
import { ConfigError } from '../core/config';
import { SECRET_ENV, type ClusterSecret } from './secrets';

/** Lambda refuses a function whose environment (names and values together) exceeds 4 KB. */
export const LAMBDA_ENV_LIMIT = 4096;

/** What an unresolved value (a table name or an ARN from another resource) can take at most. */
const TOKEN_ALLOWANCE = 128;

/** The environment docs/aws-runtime.md promises the functions, secrets only where the config needs them. */
export function functionEnvironment(input: { configText: string; table: string; secrets: readonly ClusterSecret[] }): Record<string, string> {
  const env: Record<string, string> = {
    IPFERRY_CONFIG: input.configText,
    IPFERRY_TABLE: input.table,
    POWERTOOLS_SERVICE_NAME: 'ipferry',
    POWERTOOLS_METRICS_NAMESPACE: 'ipferry',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // The bundles are minified with source maps: stack traces in the logs point at the sources.
    NODE_OPTIONS: '--enable-source-maps',
  };
  for (const s of input.secrets) env[SECRET_ENV[s.role]] = s.arn;
  const size = environmentSize(env);
  if (size > LAMBDA_ENV_LIMIT) {
    throw new ConfigError([
      {
        path: '(root)',
        message: `as compact JSON the config takes ${input.configText.length} bytes; with the other variables the functions' environment would take ${size} bytes, over Lambda's limit of ${LAMBDA_ENV_LIMIT}`,
      },
    ]);
  }
  return env;
}

/** Bytes of names and values, as Lambda counts them against its limit. */
export function environmentSize(env: Record<string, string>): number {
  return Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + (Token.isUnresolved(v) ? TOKEN_ALLOWANCE : Buffer.byteLength(v)), 0);
}
