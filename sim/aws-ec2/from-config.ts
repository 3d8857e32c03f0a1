/**
 * An EC2 world built from an ipferry config, so `ipferry sim ec2 --config FILE` (and tests) run
 * against exactly what the config names: a pure function, no I/O.
 *
 *   - a subnet per `aws.subnetId` / `aws.subnetCidr` of the nodes (`aws.subnetIpv6Cidr`, or an IPv6 subnetCidr, becomes the
 *     subnet's IPv6 block, with an IPv4 /24 around the node's private address), in one VPC whose
 *     CIDR covers them (at most a /16 when that suffices);
 *   - an instance per node with an `aws` identity, its primary interface `aws.eni` carrying
 *     `aws.privateIp` (else the node's first address in the subnet, else a free one);
 *   - the addresses of the VIPs: each `aws-secondary-ip` VIP on its preferred node's interface
 *     (when that node can carry it), each `aws-elastic-ip` allocation associated with its preferred
 *     node (`aws.privateIp`, else the primary), each `aws-overlay-route` routed to its preferred
 *     node in every table it names. A VIP without a preference starts unassigned, so the control
 *     loop's first decision claims it.
 * Ids the config leaves out are derived from the node's position, so the seed is deterministic.
 */
import { canCarry, subnetBlock, type Config, type NodeSpec, type Vip } from '../../core/config';
import { formatIp, parseIp, parsePrefix, prefixContains } from '../../core/ip';
import { freeIpv4, inCidr4, isReservedInSubnet } from './ip';
import { DEFAULT_INSTANCE_TYPE, ipv4PerEni, smallestTypeFor } from './instance-types';
import { SeedError, type Ec2Seed } from './seed';

type SubnetSeed = Ec2Seed['subnets'][number];
type InstanceSeed = NonNullable<Ec2Seed['instances']>[number];

export interface FromConfigOptions {
  /**
   * Nodes whose interface has source/destination checking turned off, as an operator does for
   * overlay routes. Default none: EC2 turns the check on for every new interface.
   */
  sourceDestCheckOff?: readonly string[];
}

export function seedFromConfig(config: Config, options: FromConfigOptions = {}): Ec2Seed {
  const checkOff = new Set(options.sourceDestCheckOff ?? []);
  const region = config.control.mode === 'aws' ? config.control.region : 'us-east-1';
  const nodes = config.nodes.filter(
    (n) => n.aws && (n.aws.eni || n.aws.instanceId || n.aws.subnetCidr || n.aws.subnetId),
  );
  const subnets = subnetsOf(nodes, region);
  const vpc = { id: 'vpc-0000000000000f001', cidr: coveringCidr([...subnets.values()].map((s) => s.cidr)) };
  const vipAddresses = new Set(config.vips.flatMap((v) => (v.ip ? [v.ip.text] : [])));
  // Addresses the config names are reserved first, so a generated primary never collides with one.
  const taken = new Set<string>([
    ...vipAddresses,
    ...nodes.flatMap((n) => [...(n.aws?.privateIp ? [n.aws.privateIp] : []), ...n.addresses]),
  ]);
  const instances: InstanceSeed[] = nodes.map((n, i) => {
    const subnet = subnets.get(subnetKey(n))!;
    const privateIp = primaryAddress(n, subnet, taken);
    taken.add(privateIp);
    return {
      id: n.aws?.instanceId ?? `i-${hex(i + 1)}`,
      networkInterfaceId: eniOf(n, i),
      subnetId: subnet.id,
      privateIp,
      secondaryIps: [],
      ipv6: [],
      sourceDestCheck: !checkOff.has(n.id),
      // The node's public address is the one EC2 gave it at launch (an EIP on its primary releases it).
      ...(n.aws?.publicIp ? { publicIp: n.aws.publicIp } : {}),
      tags: { Name: n.id, 'ipferry:cluster': config.cluster },
    };
  });
  const byNode = new Map(nodes.map((n, i) => [n.id, { node: n, instance: instances[i]! }]));
  const holder = (v: Vip) => {
    const h = v.preferred ? byNode.get(v.preferred) : undefined;
    return h && canCarry(v, h.node) ? h : undefined;
  };
  for (const v of config.vips.filter((x) => x.kind === 'aws-secondary-ip' && x.ip)) {
    const h = holder(v);
    if (!h) continue;
    if (v.ip!.family === 4) h.instance.secondaryIps!.push(v.ip!.text);
    else if (subnets.get(subnetKey(h.node))!.ipv6Cidr) h.instance.ipv6!.push(v.ip!.text);
  }
  for (const inst of instances) {
    const subnet = [...subnets.values()].find((s) => s.id === inst.subnetId)!;
    const movable = config.vips.filter(
      (v) => v.kind === 'aws-secondary-ip' && v.ip?.family === 4 && inCidr4(v.ip.text, subnet.cidr),
    ).length;
    // The default type when it holds them all, else the smallest documented type that does.
    const type =
      1 + movable <= ipv4PerEni(DEFAULT_INSTANCE_TYPE) ? DEFAULT_INSTANCE_TYPE : smallestTypeFor(1 + movable);
    if (type === undefined) {
      throw new SeedError(
        `EC2 seed from config: ${movable} secondary VIPs in ${subnet.cidr} exceed every instance type's limit per interface (at most 50 addresses, primary included)`,
      );
    }
    inst.instanceType = type;
  }
  const elasticIps = config.vips
    .filter((v) => v.kind === 'aws-elastic-ip' && v.aws?.allocationId && v.ip)
    .map((v) => {
      const h = holder(v);
      const association = h
        ? {
            networkInterfaceId: h.instance.networkInterfaceId,
            ...(h.node.aws?.privateIp ? { privateIp: h.node.aws.privateIp } : {}),
          }
        : {};
      return { allocationId: v.aws!.allocationId!, publicIp: v.ip!.text, ...association, tags: { Name: v.name } };
    });
  return {
    vpcs: [vpc],
    subnets: [...subnets.values()],
    instances,
    elasticIps,
    routeTables: routeTablesOf(config, vpc.id, (v) => holder(v)?.instance.networkInterfaceId),
  };
}

function routeTablesOf(
  config: Config,
  vpcId: string,
  holderEni: (v: Vip) => string | undefined,
): NonNullable<Ec2Seed['routeTables']> {
  const overlays = config.vips.filter((v) => v.kind === 'aws-overlay-route' && v.ip);
  const ids = [...new Set(overlays.flatMap((v) => v.aws?.routeTables ?? []))];
  return ids.map((id, i) => ({
    id,
    vpcId,
    main: i === 0,
    routes: overlays.flatMap((v) => {
      const eni = holderEni(v);
      // The emulator routes IPv4 only; an IPv6 overlay starts unrouted.
      if (!eni || v.ip!.family !== 4 || !v.aws?.routeTables?.includes(id)) return [];
      return [{ destination: networkOf(`${v.ip!.text}/${v.ip!.prefixLength}`), networkInterfaceId: eni }];
    }),
    tags: { Name: `ipferry-${config.cluster}-${i + 1}` },
  }));
}

function subnetKey(n: NodeSpec): string {
  return n.aws?.subnetId ?? n.aws?.subnetCidr ?? 'default';
}

function subnetsOf(nodes: readonly NodeSpec[], region: string): Map<string, SubnetSeed> {
  const out = new Map<string, SubnetSeed>();
  nodes.forEach((n, i) => {
    const key = subnetKey(n);
    const given4 = subnetBlock(n, 4);
    const given6 = subnetBlock(n, 6);
    const v4 = given4 ? networkOf(given4.text) : around(n, i);
    const v6 = given6 ? networkOf(given6.text) : undefined;
    const seen = out.get(key);
    if (seen) {
      if (given4 && seen.cidr !== v4)
        throw new SeedError(
          `EC2 seed from config: ${key} is given as ${seen.cidr} and as ${given4.text} (node ${n.id})`,
        );
      if (given6 && seen.ipv6Cidr !== v6)
        throw new SeedError(
          `EC2 seed from config: ${key} is given as ${seen.ipv6Cidr ?? 'IPv4 only'} and as ${given6.text} (node ${n.id})`,
        );
      return;
    }
    out.set(key, {
      id: n.aws?.subnetId ?? `subnet-${hex(out.size + 1)}`,
      vpcId: 'vpc-0000000000000f001',
      cidr: v4,
      az: n.aws?.az ?? `${region}a`,
      ...(v6 ? { ipv6Cidr: v6 } : {}),
      tags: { Name: key },
    });
  });
  return out;
}

/** An IPv4 /24 for a node whose subnet is only known by its IPv6 block (or not at all). */
function around(n: NodeSpec, i: number): string {
  const v4 = [n.aws?.privateIp, ...n.addresses].find((a) => a !== undefined && parseIp(a)?.family === 4);
  return networkOf(`${v4 ?? `10.255.${i}.10`}/24`);
}

function primaryAddress(n: NodeSpec, subnet: SubnetSeed, taken: Set<string>): string {
  const given = n.aws?.privateIp ?? n.addresses.find((a) => inCidr4(a, subnet.cidr));
  if (given !== undefined) {
    if (!inCidr4(given, subnet.cidr) || isReservedInSubnet(given, subnet.cidr)) {
      throw new SeedError(
        `EC2 seed from config: node ${n.id}'s private address ${given} is not a usable address of ${subnet.id} ${subnet.cidr}`,
      );
    }
    return given;
  }
  const [free] = freeIpv4(subnet.cidr, taken, 1);
  if (free === undefined)
    throw new SeedError(`EC2 seed from config: no free address left in ${subnet.cidr} for node ${n.id}`);
  return free;
}

function eniOf(n: NodeSpec, i: number): string {
  return n.aws?.eni ?? `eni-${hex(i + 1)}`;
}

/** "10.0.1.7/24" → "10.0.1.0/24" (EC2 wants the network address). */
export function networkOf(cidr: string): string {
  const p = parsePrefix(cidr);
  if (!p) throw new SeedError(`EC2 seed from config: "${cidr}" is not a prefix`);
  const hostBits = BigInt((p.family === 4 ? 32 : 128) - p.length);
  return `${formatIp(p.family, (p.address >> hostBits) << hostBits)}/${p.length}`;
}

/** The smallest IPv4 prefix (but a /16 when that is enough) holding every given network. */
export function coveringCidr(cidrs: readonly string[]): string {
  const nets = cidrs.map((c) => parsePrefix(c)!).filter((p) => p.family === 4);
  if (nets.length === 0) return '10.0.0.0/16';
  let len = Math.min(16, ...nets.map((p) => p.length));
  const first = nets[0]!;
  while (len > 0 && !nets.every((p) => prefixContains({ ...first, length: len }, { family: 4, value: p.address })))
    len -= 1;
  return networkOf(`${first.text}/${len}`);
}

function hex(n: number): string {
  return n.toString(16).padStart(17, '0');
}
