/**
 * A Hetzner Cloud project built from an ipferry config (pure, no I/O), for `ipferry sim hetzner
 * --config FILE` and tests:
 *   - a server per node with `hetzner.serverId` (named after the node, in `hetzner.location`,
 *     default fsn1; its public IPv4 is the node's first address outside every network);
 *   - a network per network id the config names (nodes' `hetzner.networkId`, alias VIPs'
 *     `hetzner.networkId`), whose range is the /16 around its alias VIPs (else 10.<n>.0.0/16);
 *     each node on it gets its first address inside that range as its private IP, else a free one;
 *   - a floating IP per `hetzner-floating-ip` VIP (id `hetzner.floatingIpId`, else 1000 + its
 *     position; an IPv6 VIP's is the /64 around it), homed at its preferred node's location and assigned to it; unassigned without one;
 *   - each `hetzner-alias-ip` VIP in its preferred node's alias list on that network.
 */
import { canCarry, type Config, type NodeSpec, type Vip } from '../../core/config';
import { floatingIpv6Network } from '../../core/config/hetzner-addresses';
import { formatIp, parseIp, parsePrefix, prefixContains, type Prefix } from '../../core/ip';
import { DEFAULT_TOKEN, type CloudSeed, type NetworkSeed, type ServerSeed } from './seed';

export function seedFromConfig(config: Config): CloudSeed {
  const nodes = config.nodes.filter((n) => n.hetzner?.serverId !== undefined);
  const aliasVips = config.vips.filter((v) => v.kind === 'hetzner-alias-ip' && v.ip);
  const networkOfVip = (v: Vip, holder?: NodeSpec) => v.hetzner?.networkId ?? holder?.hetzner?.networkId;
  const networkIds = [
    ...new Set([
      ...nodes.flatMap((n) => (n.hetzner?.networkId ? [n.hetzner.networkId] : [])),
      ...aliasVips.flatMap((v) => (v.hetzner?.networkId ? [v.hetzner.networkId] : [])),
    ]),
  ];
  const networks: NetworkSeed[] = networkIds.map((id, i) => {
    const inside = aliasVips.filter(
      (v) => v.hetzner?.networkId === id || (!v.hetzner?.networkId && nodes.some((n) => n.hetzner?.networkId === id)),
    );
    return {
      id,
      name: `ipferry-${config.cluster}-${id}`,
      ipRange: rangeAround(
        inside.map((v) => v.ip!.text),
        i,
      ),
    };
  });
  const ranges = new Map(networks.map((n) => [n.id, parsePrefix(n.ipRange)!]));
  const taken = new Set<string>([
    ...config.vips.flatMap((v) => (v.ip ? [v.ip.text] : [])),
    ...nodes.flatMap((n) => n.addresses),
  ]);
  const byNode = new Map<string, ServerSeed>();
  for (const n of nodes) {
    const outside = n.addresses.find(
      (a) => parseIp(a)?.family === 4 && ![...ranges.values()].some((r) => contains(r, a)),
    );
    const net = n.hetzner?.networkId;
    const privateNets =
      net === undefined ? [] : [{ network: net, ip: privateIp(n, ranges.get(net)!, taken), aliasIps: [] as string[] }];
    const server: ServerSeed = {
      id: n.hetzner!.serverId!,
      name: n.id,
      location: n.hetzner?.location ?? 'fsn1',
      publicIpv4: outside ?? null,
      privateNets,
    };
    byNode.set(n.id, server);
  }
  const holder = (v: Vip) => {
    const node = v.preferred ? nodes.find((n) => n.id === v.preferred) : undefined;
    return node && canCarry(v, node) ? node : undefined;
  };
  for (const v of aliasVips) {
    const h = holder(v);
    const net = h ? byNode.get(h.id)!.privateNets?.find((p) => p.network === networkOfVip(v, h)) : undefined;
    net?.aliasIps?.push(v.ip!.text);
  }
  const floatingIps = config.vips
    .filter((v) => v.kind === 'hetzner-floating-ip' && v.ip)
    .map((v, i) => {
      const h = holder(v);
      const home = h?.hetzner?.location ?? nodes.find((n) => canCarry(v, n))?.hetzner?.location ?? 'fsn1';
      return {
        id: v.hetzner?.floatingIpId ?? 1000 + i,
        name: v.name,
        ip: v.ip!.family === 4 ? v.ip!.text : floatingIpv6Network(v.ip!.text)!,
        homeLocation: home,
        server: h?.hetzner?.serverId ?? null,
      };
    });
  return { tokens: [DEFAULT_TOKEN], networks, servers: [...byNode.values()], floatingIps };
}

/** The /16 holding the given addresses (the first one's), or 10.<100 + i>.0.0/16 when there are none. */
function rangeAround(addresses: readonly string[], i: number): string {
  const first = addresses.map((a) => parseIp(a)).find((p) => p?.family === 4);
  if (!first) return `10.${100 + i}.0.0/16`;
  const net = (first.value >> 16n) << 16n;
  return `${formatIp(4, net)}/16`;
}

function contains(range: Prefix, address: string): boolean {
  const ip = parseIp(address);
  return !!ip && prefixContains(range, ip);
}

function privateIp(n: NodeSpec, range: Prefix, taken: Set<string>): string {
  const given = n.addresses.find((a) => contains(range, a));
  if (given) return given;
  // Hetzner hands out addresses from .2 of the first /24 (the gateway is .1).
  for (let host = 2n; host < 65_534n; host++) {
    const ip = formatIp(4, range.address + host);
    if (!taken.has(ip)) {
      taken.add(ip);
      return ip;
    }
  }
  throw new Error(`Hetzner Cloud seed from config: no free address in ${range.text}/${range.length} for node ${n.id}`);
}
