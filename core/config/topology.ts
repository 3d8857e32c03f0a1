import { parsePrefix, prefixContains, type Family, type Prefix } from '../ip';
import type { NodeSpec, Vip } from './model';

/**
 * What a node must have for a VIP of a given kind to be placed on it, as config paths.
 * Returns the missing fields (empty when the node can carry the VIP).
 */
export function missingIdentity(vip: Vip, node: NodeSpec): string[] {
  const aws = node.aws ?? {};
  const hz = node.hetzner ?? {};
  switch (vip.kind) {
    case 'lan':
      return vip.interface || vip.interfaceByNode?.[node.id] || node.interface ? [] : ['interface'];
    case 'aws-secondary-ip': {
      const family = vip.ip?.family ?? 4;
      return [
        ...(aws.eni ? [] : ['aws.eni']),
        ...(subnetBlock(node, family) ? [] : [family === 6 ? 'aws.subnetIpv6Cidr' : 'aws.subnetCidr']),
      ];
    }
    case 'aws-elastic-ip':
    case 'aws-overlay-route':
      return aws.eni ? [] : ['aws.eni'];
    case 'aws-route53':
      return aws.publicIp || node.addresses.length > 0 ? [] : ['aws.publicIp or addresses'];
    case 'hetzner-floating-ip':
      return hz.serverId ? [] : ['hetzner.serverId'];
    case 'hetzner-alias-ip':
      return [
        ...(hz.serverId ? [] : ['hetzner.serverId']),
        ...(vip.hetzner?.networkId || hz.networkId ? [] : ['hetzner.networkId']),
      ];
    case 'hetzner-robot-failover-ip':
      return hz.robotServerIp ? [] : ['hetzner.robotServerIp'];
  }
}

/** Whether the VIP's eligibility lists (nodes, subnets, zones, locations) admit the node. */
export function listedEligible(vip: Vip, node: NodeSpec): boolean {
  const e = vip.eligible;
  if (!e) return true;
  if (e.nodes && !e.nodes.includes(node.id)) return false;
  if (e.subnets && !(node.aws?.subnetId && e.subnets.includes(node.aws.subnetId))) return false;
  if (e.zones && !(node.aws?.az && e.zones.includes(node.aws.az))) return false;
  if (e.locations && !(node.hetzner?.location && e.locations.includes(node.hetzner.location))) return false;
  return true;
}

/**
 * The node's subnet block of one family: `aws.subnetIpv6Cidr` for IPv6 (or an IPv6
 * `aws.subnetCidr`, for IPv6-only subnets), `aws.subnetCidr` for IPv4.
 */
export function subnetBlock(node: NodeSpec, family: Family): { text: string; prefix: Prefix } | undefined {
  const candidates = family === 6 ? [node.aws?.subnetIpv6Cidr, node.aws?.subnetCidr] : [node.aws?.subnetCidr];
  for (const text of candidates) {
    const prefix = text ? parsePrefix(text) : undefined;
    if (text && prefix?.family === family) return { text, prefix };
  }
  return undefined;
}

/** A secondary private IP moves only between ENIs of one subnet. */
export function inNodeSubnet(vip: Vip, node: NodeSpec): boolean {
  if (vip.kind !== 'aws-secondary-ip') return true;
  const ip = vip.ip ? parsePrefix(vip.ip.text) : undefined;
  const block = ip ? subnetBlock(node, ip.family) : undefined;
  return !!block && !!ip && prefixContains(block.prefix, { family: ip.family, value: ip.address });
}

/** Under a declared topology, a `lan` VIP moves only among the nodes on a segment that holds it. */
export function onVipSegment(vip: Vip, node: NodeSpec): boolean {
  return !vip.interfaceByNode || node.id in vip.interfaceByNode;
}

/** The interface a host-bound VIP is plumbed on at this node: its own, else its segment's, else the node's. */
export function interfaceFor(vip: Vip, node: NodeSpec): string | undefined {
  return vip.interface ?? vip.interfaceByNode?.[node.id] ?? node.interface;
}

/** The static part of eligibility: can this node ever carry this VIP, whatever its health? */
export function canCarry(vip: Vip, node: NodeSpec): boolean {
  return (
    listedEligible(vip, node) &&
    missingIdentity(vip, node).length === 0 &&
    inNodeSubnet(vip, node) &&
    onVipSegment(vip, node)
  );
}
