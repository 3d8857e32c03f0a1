import { canonicalIp } from '../../core/ip';
import type { NodeSpec } from '../../core/config';
import type { Ec2Identity } from './ec2';
import type { HetznerIdentity } from './hetzner';

/** One field where the config and the cloud disagree, as `nodes[<id>].<field>`. */
export interface Mismatch {
  field: string;
  config: string;
  discovered: string;
}

/** Compares every EC2 field the node's config sets with what IMDS says. */
export function compareEc2(node: NodeSpec, found: Ec2Identity): Mismatch[] {
  const aws = node.aws ?? {};
  const out: Mismatch[] = [];
  const check = (
    field: string,
    want: string | undefined,
    got: string | undefined,
    same = (a: string, b: string) => a === b,
  ) => {
    if (want !== undefined && (got === undefined || !same(want, got)))
      out.push({ field: `aws.${field}`, config: want, discovered: got ?? '(none)' });
  };
  check('instanceId', aws.instanceId, found.instanceId);
  check('eni', aws.eni, found.eni);
  check('subnetId', aws.subnetId, found.subnetId);
  check('subnetCidr', aws.subnetCidr, found.subnetCidr, samePrefix);
  check('az', aws.az, found.az);
  check('privateIp', aws.privateIp, found.localIpv4s[0], sameIp);
  return out;
}

/** Compares the node's Hetzner fields with what the metadata service says. */
export function compareHetzner(node: NodeSpec, found: HetznerIdentity): Mismatch[] {
  const hz = node.hetzner ?? {};
  const out: Mismatch[] = [];
  if (hz.serverId !== undefined && hz.serverId !== found.serverId)
    out.push({ field: 'hetzner.serverId', config: String(hz.serverId), discovered: String(found.serverId) });
  if (hz.location !== undefined && hz.location !== found.location)
    out.push({ field: 'hetzner.location', config: hz.location, discovered: found.location ?? '(none)' });
  const networks = found.privateNetworks.flatMap((n) => (n.networkId === undefined ? [] : [n.networkId]));
  // Older metadata has no network_id; only a list that has ids can contradict the config.
  if (hz.networkId !== undefined && networks.length > 0 && !networks.includes(hz.networkId)) {
    out.push({ field: 'hetzner.networkId', config: String(hz.networkId), discovered: networks.join(', ') });
  }
  return out;
}

export function formatMismatches(nodeId: string, source: string, mismatches: readonly Mismatch[]): string {
  const lines = mismatches.map(
    (m) => `  nodes[${nodeId}].${m.field}: config says ${m.config}, ${source} says ${m.discovered}`,
  );
  return `this host is not node ${nodeId} as the config describes it (${source}):\n${lines.join('\n')}`;
}

function sameIp(a: string, b: string): boolean {
  return (canonicalIp(a) ?? a) === (canonicalIp(b) ?? b);
}

function samePrefix(a: string, b: string): boolean {
  const [aa, al] = a.split('/');
  const [ba, bl] = b.split('/');
  return al === bl && sameIp(aa ?? '', ba ?? '');
}
