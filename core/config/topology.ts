import { parsePrefix, prefixContains } from '../ip';
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
      return vip.interface || node.interface ? [] : ['interface'];
    case 'aws-secondary-ip':
      return [...(aws.eni ? [] : ['aws.eni']), ...(aws.subnetCidr ? [] : ['aws.subnetCidr'])];
    case 'aws-elastic-ip':
    case 'aws-overlay-route':
      return aws.eni ? [] : ['aws.eni'];
    case 'aws-route53':
      return aws.publicIp || node.addresses.length > 0 ? [] : ['aws.publicIp or addresses'];
    case 'hetzner-floating-ip':
      return hz.serverId ? [] : ['hetzner.serverId'];
    case 'hetzner-alias-ip':
      return [...(hz.serverId ? [] : ['hetzner.serverId']), ...(vip.hetzner?.networkId || hz.networkId ? [] : ['hetzner.networkId'])];
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

/** A secondary private IP moves only between ENIs of one subnet. */
export function inNodeSubnet(vip: Vip, node: NodeSpec): boolean {
  if (vip.kind !== 'aws-secondary-ip') return true;
  const cidr = node.aws?.subnetCidr ? parsePrefix(node.aws.subnetCidr) : undefined;
  const ip = vip.ip ? parsePrefix(vip.ip.text) : undefined;
  return !!cidr && !!ip && prefixContains(cidr, { family: ip.family, value: ip.address });
}

/** The static part of eligibility: can this node ever carry this VIP, whatever its health? */
export function canCarry(vip: Vip, node: NodeSpec): boolean {
  return listedEligible(vip, node) && missingIdentity(vip, node).length === 0 && inNodeSubnet(vip, node);
}
