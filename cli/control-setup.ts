import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../core/config';
import { buildProviders, buildRecordSetPublisher, type ProviderCredentials } from '../adapters/providers';
import { controlSecrets, type ControlSecrets, type EndpointOverrides } from '../control/secrets';

export type EndpointFlags = EndpointOverrides;

/**
 * The local control plane's pre-shared key and provider credentials: the same lookup the Lambda
 * runtime makes (control/secrets.ts), with files readable and no Secrets Manager. Endpoints from
 * flags win over the environment (HCLOUD_ENDPOINT, AWS_ENDPOINT_URL_EC2, … — what `ipferry sim`
 * prints).
 */
export function localControlSecrets(
  config: Config,
  env: NodeJS.ProcessEnv,
  flags: EndpointFlags = {},
  read: (p: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<ControlSecrets> {
  return controlSecrets({ config, env, readFile: read, endpoints: flags });
}

/** Providers and the DNS publisher for the config; a missing credential is a ProviderSetupError naming it. */
export function providersFor(config: Config, credentials: ProviderCredentials, logger: Logger) {
  const env = { config, credentials, logger };
  return { providers: buildProviders(env), publisher: buildRecordSetPublisher(env) };
}
