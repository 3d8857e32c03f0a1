import { presharedKey } from '../agent/signer';
import type { Logger } from 'pino';
import type { Config } from '../core/config';
import { buildProviders, buildRecordSetPublisher, FAMILY_OF_KIND, type ProviderCredentials } from '../adapters/providers';

/** The pre-shared key the local control plane verifies HMAC heartbeats with (the agent's own lookup). */
export async function controlPsk(config: Config, env: NodeJS.ProcessEnv, read?: (p: string) => Promise<string>): Promise<string | undefined> {
  return config.security.signing === 'hmac-sha256' ? presharedKey(config, env, read) : undefined;
}

export interface EndpointFlags {
  hetznerUrl?: string;
  robotUrl?: string;
  ec2Endpoint?: string;
  route53Endpoint?: string;
  awsRegion?: string;
}

/**
 * Provider credentials from the environment (HCLOUD_TOKEN; IPFERRY_ROBOT_USER and
 * IPFERRY_ROBOT_PASSWORD; the standard AWS chain) and endpoints from flags or the environment
 * (HCLOUD_ENDPOINT, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_ROUTE_53) — what `ipferry sim` prints.
 * Only the families the config's VIPs need are asked for.
 */
export function credentialsFrom(config: Config, env: NodeJS.ProcessEnv, flags: EndpointFlags): ProviderCredentials {
  const families = new Set(config.vips.map((v) => FAMILY_OF_KIND[v.kind]));
  const out: ProviderCredentials = {};
  if (families.has('hetzner-cloud') && env.HCLOUD_TOKEN) {
    const baseUrl = flags.hetznerUrl ?? env.HCLOUD_ENDPOINT;
    out.hetznerCloud = { token: env.HCLOUD_TOKEN, ...(baseUrl ? { baseUrl } : {}) };
  }
  if (families.has('hetzner-robot') && env.IPFERRY_ROBOT_USER && env.IPFERRY_ROBOT_PASSWORD) {
    out.hetznerRobot = { user: env.IPFERRY_ROBOT_USER, password: env.IPFERRY_ROBOT_PASSWORD, ...(flags.robotUrl ? { baseUrl: flags.robotUrl } : {}) };
  }
  const ec2 = flags.ec2Endpoint ?? env.AWS_ENDPOINT_URL_EC2;
  const route53 = flags.route53Endpoint ?? env.AWS_ENDPOINT_URL_ROUTE_53;
  const region = flags.awsRegion ?? env.AWS_REGION;
  if (ec2 || route53 || region) out.aws = { ...(region ? { region } : {}), ...(ec2 ? { ec2Endpoint: ec2 } : {}), ...(route53 ? { route53Endpoint: route53 } : {}) };
  return out;
}

/** Providers and the DNS publisher for the config; a missing credential is a ProviderSetupError naming it. */
export function providersFor(config: Config, credentials: ProviderCredentials, logger: Logger) {
  const env = { config, credentials, logger };
  return { providers: buildProviders(env), publisher: buildRecordSetPublisher(env) };
}
