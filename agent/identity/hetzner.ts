import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { metadataRequest, MetadataError, type FetchLike } from './metadata-http';

/** What Hetzner Cloud's metadata service says about this server. */
export interface HetznerIdentity {
  serverId: number;
  hostname: string;
  /** "hel1-dc2"; the location is the part before "-dc" ("hel1"). */
  availabilityZone?: string;
  location?: string;
  region?: string;
  publicIpv4?: string;
  privateNetworks: Array<{ ip: string; aliasIps: string[]; networkId?: number; mac?: string }>;
}

const PrivateNetworkSchema = z.looseObject({
  ip: z.string(),
  alias_ips: z.array(z.string()).nullish(),
  network_id: z.number().int().optional(),
  mac_address: z.string().optional(),
});

const SummarySchema = z.looseObject({
  'instance-id': z.coerce.number().int().positive(),
  hostname: z.string(),
  'availability-zone': z.string().optional(),
  region: z.string().optional(),
  'public-ipv4': z.string().optional(),
  'private-networks': z.array(PrivateNetworkSchema).nullish(),
});

export interface HetznerMetadataOptions {
  /** http://169.254.169.254 on a Hetzner Cloud server; a fake's URL in tests. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}

/**
 * Reads `/hetzner/v1/metadata` (YAML: instance-id, hostname, availability-zone, region,
 * public-ipv4) and `/hetzner/v1/metadata/private-networks` (YAML list: ip, alias_ips, network_id,
 * mac_address…). The summary may carry `private-networks` itself; then that is used.
 */
export async function discoverHetzner(options: HetznerMetadataOptions = {}): Promise<HetznerIdentity> {
  const base = `${(options.baseUrl ?? 'http://169.254.169.254').replace(/\/+$/, '')}/hetzner/v1/metadata`;
  const get = async (url: string, allow404: boolean): Promise<unknown> => {
    const res = await metadataRequest(options.fetch ?? fetch, url, { timeoutMs: options.timeoutMs ?? 1000 });
    if (res.status === 404 && allow404) return undefined;
    if (res.status !== 200) throw new MetadataError(`GET ${url}: HTTP ${res.status}`, res.status);
    try {
      return parseYaml(res.text);
    } catch (err) {
      throw new MetadataError(`GET ${url}: not YAML: ${(err as Error).message}`);
    }
  };
  const [summaryRaw, networksRaw] = await Promise.all([get(base, false), get(`${base}/private-networks`, true)]);
  const summary = SummarySchema.safeParse(summaryRaw);
  if (!summary.success) throw new MetadataError(`GET ${base}: unexpected metadata: ${describe(summary.error)}`);
  const s = summary.data;
  let networks = s['private-networks'] ?? [];
  if (networks.length === 0 && networksRaw !== undefined && networksRaw !== null) {
    const parsed = z.array(PrivateNetworkSchema).safeParse(networksRaw);
    if (!parsed.success)
      throw new MetadataError(`GET ${base}/private-networks: unexpected metadata: ${describe(parsed.error)}`);
    networks = parsed.data;
  }
  const az = s['availability-zone'];
  return {
    serverId: s['instance-id'],
    hostname: s.hostname,
    ...(az ? { availabilityZone: az, location: az.replace(/-dc\d+$/, '') } : {}),
    ...(s.region ? { region: s.region } : {}),
    ...(s['public-ipv4'] ? { publicIpv4: s['public-ipv4'] } : {}),
    privateNetworks: networks.map((n) => ({
      ip: n.ip,
      aliasIps: n.alias_ips ?? [],
      ...(n.network_id === undefined ? {} : { networkId: n.network_id }),
      ...(n.mac_address === undefined ? {} : { mac: n.mac_address }),
    })),
  };
}

function describe(error: z.ZodError): string {
  const i = error.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}
