import type { Config } from '../core/config';
import type { ProviderCredentials } from '../adapters/providers';
import { FAMILY_OF_KIND } from '../core/config/vips';

/** Reads a secret's text by id or ARN (Secrets Manager in Lambda); injected so tests and other runtimes supply their own. */
export type SecretReader = (id: string) => Promise<string>;

/** Where the control plane may find its secrets; only what the config needs is looked at. */
export interface SecretSources {
  config: Config;
  env: NodeJS.ProcessEnv;
  /** Reads `security.pskFile` (the local control plane; a Lambda has no such file). */
  readFile?: (path: string) => Promise<string>;
  /** Reads the *_SECRET variables' secrets; without one, naming a secret is an error. */
  readSecret?: SecretReader;
  /** Endpoints from command-line flags; they win over the environment's. */
  endpoints?: EndpointOverrides;
}

export interface EndpointOverrides {
  hetznerUrl?: string | undefined;
  robotUrl?: string | undefined;
  ec2Endpoint?: string | undefined;
  route53Endpoint?: string | undefined;
  awsRegion?: string | undefined;
}

export interface ControlSecrets {
  /** Set when the cluster signs with hmac-sha256. */
  psk?: string;
  credentials: ProviderCredentials;
}

/** Shorter keys are refused on both runtimes, as the schema refuses an inline one. */
export const MIN_PSK_LENGTH = 16;

/**
 * The one way both control runtimes (`ipferry control` and the Lambda functions) find the
 * pre-shared key and the provider credentials, in one order each (docs/control-plane.md):
 * what the config holds inline, then the control plane's own sources, then what the agents use.
 * A missing or unreadable source is an error naming every place that was looked at.
 */
export async function controlSecrets(src: SecretSources): Promise<ControlSecrets> {
  const psk = src.config.security.signing === 'hmac-sha256' ? await presharedKeyOf(src) : undefined;
  return { ...(psk === undefined ? {} : { psk }), credentials: await credentialsOf(src) };
}

interface Found {
  value: string;
  from: string;
}

const PSK_SOURCES =
  'security.psk, IPFERRY_PSK_SECRET (a Secrets Manager secret), IPFERRY_PSK, security.pskFile or security.pskEnv';

async function presharedKeyOf(src: SecretSources): Promise<string> {
  const { env } = src;
  const s = src.config.security;
  const found: Found | undefined =
    (s.psk !== undefined ? { value: s.psk, from: 'security.psk' } : undefined) ??
    (await fromSecret(src, 'IPFERRY_PSK_SECRET')) ??
    fromEnv(env, 'IPFERRY_PSK') ??
    (s.pskFile ? await fromFile(src, s.pskFile) : undefined) ??
    (s.pskEnv ? (fromEnv(env, s.pskEnv, `security.pskEnv ($${s.pskEnv})`) ?? missingVariable(s.pskEnv)) : undefined);
  if (!found) throw new Error(`hmac-sha256 heartbeats need the pre-shared key: none of ${PSK_SOURCES} is set`);
  if (found.value.length < MIN_PSK_LENGTH)
    throw new Error(`the pre-shared key from ${found.from} is shorter than ${MIN_PSK_LENGTH} characters`);
  return found.value;
}

/** Only the families the config's VIPs use are asked for; AWS needs no secret (the standard chain). */
async function credentialsOf(src: SecretSources): Promise<ProviderCredentials> {
  const { config, env } = src;
  const flags = src.endpoints ?? {};
  const families = new Set(config.vips.map((v) => FAMILY_OF_KIND[v.kind]));
  const out: ProviderCredentials = {};
  if (families.has('hetzner-cloud')) {
    const token =
      (await fromSecret(src, 'IPFERRY_HETZNER_TOKEN_SECRET')) ??
      fromEnv(env, 'IPFERRY_HETZNER_TOKEN') ??
      fromEnv(env, 'HCLOUD_TOKEN');
    if (!token)
      throw new Error(
        'hetzner-floating-ip / hetzner-alias-ip VIPs need a Hetzner Cloud API token: set IPFERRY_HETZNER_TOKEN_SECRET (a Secrets Manager secret), IPFERRY_HETZNER_TOKEN or HCLOUD_TOKEN',
      );
    const baseUrl = flags.hetznerUrl ?? env.IPFERRY_HETZNER_API_URL ?? env.HCLOUD_ENDPOINT;
    out.hetznerCloud = { token: token.value, ...(baseUrl ? { baseUrl } : {}) };
  }
  if (families.has('hetzner-robot')) {
    const robot = (await robotFromSecret(src)) ?? robotFromEnv(env);
    if (!robot)
      throw new Error(
        'hetzner-robot-failover-ip VIPs need the Robot web service user and password: set IPFERRY_ROBOT_SECRET (a Secrets Manager secret holding {"user","password"}), or IPFERRY_ROBOT_USER and IPFERRY_ROBOT_PASSWORD',
      );
    const baseUrl = flags.robotUrl ?? env.IPFERRY_ROBOT_API_URL;
    out.hetznerRobot = { ...robot, ...(baseUrl ? { baseUrl } : {}) };
  }
  const ec2 = flags.ec2Endpoint ?? env.AWS_ENDPOINT_URL_EC2;
  const route53 = flags.route53Endpoint ?? env.AWS_ENDPOINT_URL_ROUTE_53;
  const region = flags.awsRegion ?? env.AWS_REGION;
  if (ec2 || route53 || region)
    out.aws = {
      ...(region ? { region } : {}),
      ...(ec2 ? { ec2Endpoint: ec2 } : {}),
      ...(route53 ? { route53Endpoint: route53 } : {}),
    };
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, from = `$${name}`): Found | undefined {
  const value = env[name];
  return value ? { value, from } : undefined;
}

function missingVariable(name: string): never {
  throw new Error(
    `hmac-sha256 heartbeats need the pre-shared key: security.pskEnv names $${name}, which is not set in the control plane's environment (nor is IPFERRY_PSK_SECRET or IPFERRY_PSK)`,
  );
}

async function fromSecret(src: SecretSources, variable: string): Promise<Found | undefined> {
  const id = src.env[variable];
  if (!id) return undefined;
  if (!src.readSecret)
    throw new Error(
      `${variable} names a Secrets Manager secret (${id}), which only the AWS runtime reads: set the value itself instead`,
    );
  try {
    return { value: (await src.readSecret(id)).trim(), from: `${variable} (${id})` };
  } catch (err) {
    throw new Error(`cannot read ${variable} (${id}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function fromFile(src: SecretSources, path: string): Promise<Found> {
  if (!src.readFile)
    throw new Error(
      `security.pskFile ${path} cannot be read here (no file system access given): set IPFERRY_PSK_SECRET or IPFERRY_PSK`,
    );
  try {
    return { value: (await src.readFile(path)).trim(), from: `security.pskFile ${path}` };
  } catch (err) {
    throw new Error(
      `cannot read security.pskFile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

async function robotFromSecret(src: SecretSources): Promise<{ user: string; password: string } | undefined> {
  const found = await fromSecret(src, 'IPFERRY_ROBOT_SECRET');
  if (!found) return undefined;
  let parsed: { user?: unknown; password?: unknown };
  try {
    parsed = JSON.parse(found.value) as { user?: unknown; password?: unknown };
  } catch {
    throw new Error(`${found.from} must hold JSON {"user":"…","password":"…"}`);
  }
  if (typeof parsed.user !== 'string' || typeof parsed.password !== 'string')
    throw new Error(`${found.from} must hold {"user":"…","password":"…"}`);
  return { user: parsed.user, password: parsed.password };
}

function robotFromEnv(env: NodeJS.ProcessEnv): { user: string; password: string } | undefined {
  const user = env.IPFERRY_ROBOT_USER;
  const password = env.IPFERRY_ROBOT_PASSWORD;
  if (!user && !password) return undefined;
  if (!user || !password)
    throw new Error(
      `IPFERRY_ROBOT_${user ? 'PASSWORD' : 'USER'} is not set (IPFERRY_ROBOT_USER and IPFERRY_ROBOT_PASSWORD go together)`,
    );
  return { user, password };
}
