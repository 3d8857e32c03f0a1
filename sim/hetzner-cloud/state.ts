import { floatingIpv6Network } from '../../core/config/hetzner-addresses';
import { canonicalIp, parseIp, parsePrefix, prefixContains, type Prefix } from '../../core/ip';
import { Lagged } from '../common/lagged';
import { findLocation, type Location } from './locations';
import { DEFAULT_ALIAS_LIMIT, type CloudSeed, type NetworkSeed, type ServerSeed, type FloatingIpSeed } from './seed';

/**
 * The project's state. Routing facts (which server holds a floating IP, which aliases a server has)
 * are `Lagged`: a mutation writes the new value stamped with the time its action finishes, so
 * `current()` is the reservation every validation checks against, and `visible(t, lag)` is what the
 * API shows at time t (nothing before the action ends, plus the eventual-consistency lag).
 */
export interface NetworkRecord {
  id: number;
  name: string;
  ipRange: Prefix;
  subnets: Array<{ ipRange: Prefix; networkZone: string; type: string; gateway: string }>;
}

export interface PrivateNetRecord {
  ip: string;
  macAddress: string;
  aliases: Lagged<readonly string[]>;
}

export interface ServerRecord {
  id: number;
  name: string;
  location: Location;
  datacenter: string;
  publicIpv4: string | null;
  publicIpv6: string | null;
  status: string;
  aliasLimit: number;
  nets: Map<number, PrivateNetRecord>;
}

export interface FloatingIpRecord {
  id: number;
  name: string;
  description: string | null;
  ip: string;
  type: 'ipv4' | 'ipv6';
  homeLocation: Location;
  blocked: boolean;
  protection: { delete: boolean };
  labels: Record<string, string>;
  server: Lagged<number | null>;
}

export class CloudState {
  readonly networks = new Map<number, NetworkRecord>();
  readonly servers = new Map<number, ServerRecord>();
  readonly floatingIps = new Map<number, FloatingIpRecord>();
  readonly created = new Date(Date.UTC(2024, 0, 1)).toISOString();

  constructor(seed: CloudSeed) {
    for (const n of seed.networks ?? []) addUnique(this.networks, n.id, buildNetwork(n), 'network');
    for (const s of seed.servers ?? []) addUnique(this.servers, s.id, buildServer(s, this.networks), 'server');
    for (const f of seed.floatingIps ?? [])
      addUnique(this.floatingIps, f.id, buildFloatingIp(f, this.servers), 'floating IP');
  }

  /** Servers whose alias list on `network` holds `ip`, as reserved now and as in effect at `at`. */
  aliasHolders(network: number, ip: string, at: number): number[] {
    const holders: number[] = [];
    for (const s of this.servers.values()) {
      const net = s.nets.get(network);
      if (!net) continue;
      if (net.aliases.current().includes(ip) || net.aliases.visible(at, 0).includes(ip)) holders.push(s.id);
    }
    return holders;
  }

  /** The server whose primary private IP on `network` is `ip`, if any. */
  primaryHolder(network: number, ip: string): number | undefined {
    for (const s of this.servers.values()) if (s.nets.get(network)?.ip === ip) return s.id;
    return undefined;
  }
}

function addUnique<V>(map: Map<number, V>, id: number, value: V, what: string): void {
  if (!Number.isInteger(id) || id <= 0) throw new Error(`seed: ${what} id ${id} must be a positive integer`);
  if (map.has(id)) throw new Error(`seed: duplicate ${what} id ${id}`);
  map.set(id, value);
}

function prefixOrThrow(text: string, what: string): Prefix {
  const p = parsePrefix(text);
  if (!p || p.family !== 4) throw new Error(`seed: ${what} "${text}" is not an IPv4 prefix`);
  return p;
}

function locationOrThrow(name: string, what: string): Location {
  const loc = findLocation(name);
  if (!loc) throw new Error(`seed: ${what} has unknown location "${name}"`);
  return loc;
}

function buildNetwork(n: NetworkSeed): NetworkRecord {
  const ipRange = prefixOrThrow(n.ipRange, `network ${n.id} ip_range`);
  const subnets = (n.subnets ?? [{ ipRange: n.ipRange }]).map((s) => {
    const p = prefixOrThrow(s.ipRange, `network ${n.id} subnet`);
    if (!prefixContains(ipRange, { family: 4, value: p.address }) || p.length < ipRange.length) {
      throw new Error(`seed: subnet ${s.ipRange} is outside network ${n.id} (${n.ipRange})`);
    }
    const first = (p.address >> BigInt(32 - p.length)) << BigInt(32 - p.length);
    return {
      ipRange: p,
      networkZone: s.networkZone ?? 'eu-central',
      type: s.type ?? 'cloud',
      gateway: v4Text(first + 1n),
    };
  });
  return { id: n.id, name: n.name ?? `network-${n.id}`, ipRange, subnets };
}

function buildServer(s: ServerSeed, networks: Map<number, NetworkRecord>): ServerRecord {
  const location = locationOrThrow(s.location, `server ${s.id}`);
  const nets = new Map<number, PrivateNetRecord>();
  for (const [i, pn] of (s.privateNets ?? []).entries()) {
    const net = networks.get(pn.network);
    if (!net) throw new Error(`seed: server ${s.id} is attached to unknown network ${pn.network}`);
    for (const ip of [pn.ip, ...(pn.aliasIps ?? [])]) {
      if (!inNetwork(net, ip)) throw new Error(`seed: server ${s.id} address ${ip} is outside network ${net.id}`);
    }
    const mac = pn.macAddress ?? `86:00:00:${hex2(s.id >> 8)}:${hex2(s.id)}:${hex2(i + 1)}`;
    nets.set(pn.network, {
      ip: pn.ip,
      macAddress: mac,
      aliases: new Lagged<readonly string[]>([...(pn.aliasIps ?? [])]),
    });
  }
  return {
    id: s.id,
    name: s.name,
    location,
    datacenter: s.datacenter ?? `${location.name}-dc14`,
    publicIpv4: s.publicIpv4 ?? null,
    publicIpv6: s.publicIpv6 ?? null,
    status: s.status ?? 'running',
    aliasLimit: s.aliasLimit ?? DEFAULT_ALIAS_LIMIT,
    nets,
  };
}

function buildFloatingIp(f: FloatingIpSeed, servers: Map<number, ServerRecord>): FloatingIpRecord {
  const family = parseIp(f.ip.split('/')[0] ?? '')?.family;
  if (family === undefined) throw new Error(`seed: floating IP ${f.id} address "${f.ip}" is not an IP`);
  const ip = floatingIpText(f, family);
  const type = f.type ?? (family === 4 ? 'ipv4' : 'ipv6');
  if ((type === 'ipv4') !== (family === 4))
    throw new Error(`seed: floating IP ${f.id} type ${type} does not match ${f.ip}`);
  if (f.server != null && !servers.has(f.server))
    throw new Error(`seed: floating IP ${f.id} assigned to unknown server ${f.server}`);
  return {
    id: f.id,
    name: f.name ?? `floating-ip-${f.id}`,
    description: f.description ?? null,
    ip,
    type,
    homeLocation: locationOrThrow(f.homeLocation, `floating IP ${f.id}`),
    blocked: f.blocked ?? false,
    protection: f.protection ?? { delete: false },
    labels: f.labels ?? {},
    server: new Lagged<number | null>(f.server ?? null),
  };
}

/**
 * What the API shows as the floating IP's `ip`: an IPv4 address, or for IPv6 the /64 network
 * ("2001:db8:ff::/64", never a host address: the API reference's example is "2001:db8::/64"
 * beside type "ipv6", and hcloud-go parses it as a net). A seed may name the /64 by any address in it.
 */
function floatingIpText(f: FloatingIpSeed, family: 4 | 6): string {
  const [address, length, extra] = f.ip.split('/');
  if (family === 4) {
    if ((length !== undefined && length !== '32') || extra !== undefined)
      throw new Error(`seed: floating IP ${f.id} "${f.ip}": an IPv4 floating IP is one address`);
    return canonicalIp(address!)!;
  }
  if ((length !== undefined && length !== '64') || extra !== undefined)
    throw new Error(`seed: floating IP ${f.id} "${f.ip}": an IPv6 floating IP is a /64`);
  return floatingIpv6Network(address!)!;
}

/** Inside the network's range and inside one of its subnets. */
export function inNetwork(net: NetworkRecord, ip: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed || parsed.family !== 4) return false;
  return prefixContains(net.ipRange, parsed) && net.subnets.some((s) => prefixContains(s.ipRange, parsed));
}

function v4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
