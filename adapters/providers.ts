import type { Logger } from 'pino';
import type { Clock } from '../core/clock';
import type { Config, Vip } from '../core/config/model';
import { FAMILY_OF_KIND, type ProviderFamily, type VipKind } from '../core/config/vips';
import type { Provider, RecordSetPublisher } from '../core/ports';
import { Ec2Provider, Ec2PublicAddressReader, type Ec2ClientOptions } from './aws/ec2';
import { Route53Core, Route53Provider, Route53RecordSetPublisher } from './aws/route53';
import { BareMetalProvider, type BoundReports, type OwnerRecord } from './bare-metal';
import { HetznerCloudClient, HetznerCloudProvider } from './hetzner/cloud';
import { HetznerRobotClient, HetznerRobotProvider } from './hetzner/robot';

/** Secrets and endpoints, by family. Tests point `baseUrl` at an emulator. */
export interface ProviderCredentials {
  hetznerCloud?: { token: string; baseUrl?: string; timeoutMs?: number };
  hetznerRobot?: { user: string; password: string; baseUrl?: string; switchesPerHour?: number };
  /** Nothing secret: where the owner is recorded and, optionally, what the hosts report as bound. */
  bareMetal?: { record?: OwnerRecord; bound?: BoundReports };
  /**
   * Nothing required: region and credentials come from the standard chain (environment, profile,
   * instance or task role) when unset; the region defaults to control.region in aws mode. Tests
   * point the endpoints at the emulators.
   */
  aws?: {
    region?: string;
    credentials?: Ec2ClientOptions['credentials'];
    ec2Endpoint?: string;
    route53Endpoint?: string;
    requestTimeoutMs?: number;
    /** Between Route 53 GetChange polls (default 1 s). */
    route53PollMs?: number;
  };
}

export interface ProviderEnv {
  config: Config;
  credentials: ProviderCredentials;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
}

/** Builds a family's Provider; `vips` are the config's VIPs of that family (for messages and checks). */
export type ProviderFactory = (env: ProviderEnv, vips: readonly Vip[]) => Provider;

/** A config that needs a provider this process cannot build: named, with the VIPs that need it. */
export class ProviderSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderSetupError';
  }
}

export const PROVIDER_FACTORIES: Record<ProviderFamily, ProviderFactory | undefined> = {
  'bare-metal': (env) =>
    new BareMetalProvider({ ...env.credentials.bareMetal, ...(env.clock ? { clock: env.clock } : {}) }),
  'hetzner-cloud': (env, vips) => {
    const c = env.credentials.hetznerCloud ?? missing('a Hetzner Cloud API token (credentials.hetznerCloud)', vips);
    const client = new HetznerCloudClient({ ...c, ...common(env) });
    return new HetznerCloudProvider({ client, nodes: env.config.nodes, ...logger(env, 'hetzner-cloud') });
  },
  'hetzner-robot': (env, vips) => {
    const c =
      env.credentials.hetznerRobot ?? missing('a Robot web-service user and password (credentials.hetznerRobot)', vips);
    const client = new HetznerRobotClient({ ...c, ...common(env) });
    return new HetznerRobotProvider({ client, nodes: env.config.nodes, ...logger(env, 'hetzner-robot') });
  },
  'aws-ec2': (env) => new Ec2Provider({ nodes: env.config.nodes, ...ec2Access(env) }),
  'aws-route53': (env) =>
    new Route53Provider({
      nodes: env.config.nodes,
      core: route53CoreFor(env),
      ...optional({ publicAddresses: publicAddressReader(env) }),
    }),
};

/**
 * EC2's view of the nodes' public IPv4 addresses for owner records, when some node is an EC2
 * instance publishing its public address (aws.eni and aws.publicIp): an Elastic IP on its primary
 * address changes that address. Same region, credentials and endpoint as the aws-ec2 provider.
 */
function publicAddressReader(env: ProviderEnv): Ec2PublicAddressReader | undefined {
  if (!env.config.nodes.some((n) => n.aws?.eni && n.aws.publicIp)) return undefined;
  return new Ec2PublicAddressReader(ec2Access(env));
}

/** How the control plane reaches EC2 (region, credentials, endpoint, timeouts, clock, log): one place for both EC2 clients. */
function ec2Access(env: ProviderEnv) {
  const aws = env.credentials.aws ?? {};
  return {
    ...optional({
      region: awsRegion(env),
      credentials: aws.credentials,
      endpoint: aws.ec2Endpoint,
      requestTimeoutMs: aws.requestTimeoutMs,
      clock: env.clock,
    }),
    ...logger(env, 'aws-ec2'),
  };
}

/**
 * The publisher of the config's round-robin `dns` record sets, or undefined when it has none. It
 * shares the Route 53 client, budget and per-record lock with the aws-route53 provider built from
 * the same env, so the two never race on one record.
 */
export function buildRecordSetPublisher(env: ProviderEnv): RecordSetPublisher | undefined {
  return env.config.dns.length > 0 ? new Route53RecordSetPublisher({ core: route53CoreFor(env) }) : undefined;
}

const route53Cores = new WeakMap<ProviderEnv, Route53Core>();

function route53CoreFor(env: ProviderEnv): Route53Core {
  const known = route53Cores.get(env);
  if (known) return known;
  const aws = env.credentials.aws ?? {};
  const core = new Route53Core({
    ...optional({
      region: aws.region,
      credentials: aws.credentials,
      endpoint: aws.route53Endpoint,
      requestTimeoutMs: aws.requestTimeoutMs,
      pollMs: aws.route53PollMs,
      clock: env.clock,
    }),
    ...logger(env, 'aws-route53'),
  });
  route53Cores.set(env, core);
  return core;
}

function awsRegion(env: ProviderEnv): string | undefined {
  return env.credentials.aws?.region ?? (env.config.control.mode === 'aws' ? env.config.control.region : undefined);
}

/** The fields that are set (the adapters' options are optional, not undefined-able). */
function optional<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * One Provider per family present in the config, mapped from every kind present. Throws a
 * ProviderSetupError (naming kinds and VIPs) when a family has no factory or lacks credentials.
 */
export function buildProviders(
  env: ProviderEnv,
  factories: Record<ProviderFamily, ProviderFactory | undefined> = PROVIDER_FACTORIES,
): Map<VipKind, Provider> {
  const byFamily = new Map<ProviderFamily, Vip[]>();
  for (const vip of env.config.vips) {
    const family = FAMILY_OF_KIND[vip.kind];
    byFamily.set(family, [...(byFamily.get(family) ?? []), vip]);
  }
  const out = new Map<VipKind, Provider>();
  for (const [family, vips] of byFamily) {
    const factory = factories[family];
    if (!factory) missing(`the ${family} provider adapter, which this build does not have yet`, vips);
    const provider = factory(env, vips);
    for (const vip of vips) {
      if (!provider.kinds.includes(vip.kind))
        throw new ProviderSetupError(`the ${family} provider does not serve kind ${vip.kind} (VIP ${vip.name})`);
      out.set(vip.kind, provider);
    }
  }
  return out;
}

function missing(what: string, vips: readonly Vip[]): never {
  const kinds = [...new Set(vips.map((v) => v.kind))].join(', ');
  throw new ProviderSetupError(`VIPs of kind ${kinds} (${vips.map((v) => v.name).join(', ')}) need ${what}`);
}

function common(env: ProviderEnv): { clock?: Clock; fetch?: typeof fetch } {
  return { ...(env.clock ? { clock: env.clock } : {}), ...(env.fetch ? { fetch: env.fetch } : {}) };
}

function logger(env: ProviderEnv, name: string): { logger?: Logger } {
  return env.logger ? { logger: env.logger.child({ provider: name }) } : {};
}
