import type { Logger } from 'pino';
import type { Clock } from '../core/clock';
import type { Config, Vip } from '../core/config/model';
import type { VipKind } from '../core/config/vips';
import type { Provider } from '../core/ports';
import { BareMetalProvider, type BoundReports, type OwnerRecord } from './bare-metal';
import { HetznerCloudClient, HetznerCloudProvider } from './hetzner-cloud';
import { HetznerRobotClient, HetznerRobotProvider } from './hetzner-robot';

/**
 * From a config to the Provider for each VIP kind in it. Kinds are grouped in families, one
 * Provider instance per family (floating and alias IPs share one Hetzner project and its request
 * budget; the three EC2 kinds will share one EC2 client).
 */
export type ProviderFamily = 'bare-metal' | 'hetzner-cloud' | 'hetzner-robot' | 'aws-ec2' | 'aws-route53';

/** Exhaustive on purpose: a new VIP kind does not compile until it is given a family. */
export const FAMILY_OF_KIND: Record<VipKind, ProviderFamily> = {
  lan: 'bare-metal',
  'hetzner-floating-ip': 'hetzner-cloud',
  'hetzner-alias-ip': 'hetzner-cloud',
  'hetzner-robot-failover-ip': 'hetzner-robot',
  'aws-secondary-ip': 'aws-ec2',
  'aws-elastic-ip': 'aws-ec2',
  'aws-overlay-route': 'aws-ec2',
  'aws-route53': 'aws-route53',
};

/** Secrets and endpoints, by family. Tests point `baseUrl` at an emulator. */
export interface ProviderCredentials {
  hetznerCloud?: { token: string; baseUrl?: string; timeoutMs?: number };
  hetznerRobot?: { user: string; password: string; baseUrl?: string; switchesPerHour?: number };
  /** Nothing secret: where the owner is recorded and, optionally, what the hosts report as bound. */
  bareMetal?: { record?: OwnerRecord; bound?: BoundReports };
  // The AWS adapters add theirs here (region, endpoint, credentials) with their factories below.
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
  'bare-metal': (env) => new BareMetalProvider({ ...env.credentials.bareMetal, ...(env.clock ? { clock: env.clock } : {}) }),
  'hetzner-cloud': (env, vips) => {
    const c = env.credentials.hetznerCloud ?? missing('a Hetzner Cloud API token (credentials.hetznerCloud)', vips);
    const client = new HetznerCloudClient({ ...c, ...common(env) });
    return new HetznerCloudProvider({ client, nodes: env.config.nodes, ...logger(env, 'hetzner-cloud') });
  },
  'hetzner-robot': (env, vips) => {
    const c = env.credentials.hetznerRobot ?? missing('a Robot web-service user and password (credentials.hetznerRobot)', vips);
    const client = new HetznerRobotClient({ ...c, ...common(env) });
    return new HetznerRobotProvider({ client, nodes: env.config.nodes, ...logger(env, 'hetzner-robot') });
  },
  // Filled in by the AWS adapters (adapters/aws-ec2, adapters/aws-route53).
  'aws-ec2': undefined,
  'aws-route53': undefined,
};

/**
 * One Provider per family present in the config, mapped from every kind present. Throws a
 * ProviderSetupError (naming kinds and VIPs) when a family has no factory or lacks credentials.
 */
export function buildProviders(env: ProviderEnv, factories: Record<ProviderFamily, ProviderFactory | undefined> = PROVIDER_FACTORIES): Map<VipKind, Provider> {
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
      if (!provider.kinds.includes(vip.kind)) throw new ProviderSetupError(`the ${family} provider does not serve kind ${vip.kind} (VIP ${vip.name})`);
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
