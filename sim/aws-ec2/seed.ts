/**
 * The seed: a plain, JSON-friendly description of an EC2 world, validated and turned into the
 * emulator's state. It is what a test (or later `ipferry sim ec2 --config FILE`) writes by hand:
 *
 *   {
 *     vpcs:     [{ id: 'vpc-1', cidr: '10.0.0.0/16' }],
 *     subnets:  [{ id: 'subnet-a', vpcId: 'vpc-1', cidr: '10.0.1.0/24', az: 'eu-central-1a' }],
 *     instances: [{ id: 'i-a', subnetId: 'subnet-a', privateIp: '10.0.1.10' }],   // gets eni-<id>
 *     elasticIps: [{ allocationId: 'eipalloc-1', publicIp: '198.51.100.7', networkInterfaceId: 'eni-a' }],
 *     routeTables: [{ id: 'rtb-1', vpcId: 'vpc-1', main: true }],
 *   }
 *
 * Every instance gets a primary interface (`networkInterfaceId`, default `eni-` + the instance id
 * without `i-`). More interfaces go in `networkInterfaces`, attached or not.
 */
import { isIPv4 } from 'node:net';
import { canonicalIpv6, inCidr4, inCidr6, isReservedInSubnet, parseCidr4 } from './ip';
import { DEFAULT_INSTANCE_TYPE, ipv4PerEni } from './instance-types';
import { releasePublicIp } from './public-ip';
import { emptyState, findViolations, type Ec2State, type Eni, type Route, type Tags } from './state';

/** The limit of an interface no instance type governs (detached), and of the default type m5.large. */
export const DEFAULT_MAX_IPV4_PER_ENI = 10;

export interface Ec2Seed {
  vpcs?: Array<{ id: string; cidr: string }>;
  subnets: Array<{ id: string; vpcId: string; cidr: string; az: string; ipv6Cidr?: string; tags?: Tags }>;
  instances?: Array<{
    id: string;
    subnetId: string;
    privateIp: string;
    networkInterfaceId?: string;
    secondaryIps?: string[];
    ipv6?: string[];
    /** Decides the per-interface IPv4 limit (instance-types.ts). Default m5.large (10). */
    instanceType?: string;
    /** A lower per-interface limit than the type's, for tests; above the type's is refused. */
    maxIpv4?: number;
    /** EC2 turns source/destination checking on for every new interface; default true. */
    sourceDestCheck?: boolean;
    /** An auto-assigned public IPv4 address on the primary interface (released while an EIP is on the primary). */
    publicIp?: string;
    state?: 'running' | 'stopped';
    tags?: Tags;
  }>;
  networkInterfaces?: Array<{
    id: string;
    subnetId: string;
    privateIp: string;
    secondaryIps?: string[];
    ipv6?: string[];
    instanceId?: string;
    deviceIndex?: number;
    maxIpv4?: number;
    sourceDestCheck?: boolean;
    description?: string;
    tags?: Tags;
  }>;
  elasticIps?: Array<{
    allocationId: string;
    publicIp: string;
    /** Associate with this interface (on `privateIp`, default its primary address)... */
    networkInterfaceId?: string;
    privateIp?: string;
    tags?: Tags;
  }>;
  routeTables?: Array<{
    id: string;
    vpcId: string;
    main?: boolean;
    subnetIds?: string[];
    routes?: Array<{ destination: string; networkInterfaceId?: string; instanceId?: string; gatewayId?: string }>;
    tags?: Tags;
  }>;
}

export class SeedError extends Error {}

/** Builds and validates the state; throws SeedError naming the first thing that is wrong. */
export function stateFromSeed(seed: Ec2Seed, newId: (prefix: string) => string): Ec2State {
  const s = emptyState();
  const fail = (msg: string): never => {
    throw new SeedError(`EC2 seed: ${msg}`);
  };
  const unique = (kind: Record<string, unknown>, id: string, prefix: string) => {
    if (!id.startsWith(prefix)) fail(`id "${id}" must start with "${prefix}"`);
    if (kind[id]) fail(`duplicate id "${id}"`);
  };
  for (const v of seed.vpcs ?? []) {
    unique(s.vpcs, v.id, 'vpc-');
    if (!parseCidr4(v.cidr)) fail(`${v.id}: "${v.cidr}" is not a CIDR block`);
    s.vpcs[v.id] = { id: v.id, cidr: v.cidr };
  }
  for (const sn of seed.subnets) {
    unique(s.subnets, sn.id, 'subnet-');
    if (!parseCidr4(sn.cidr)) fail(`${sn.id}: "${sn.cidr}" is not a CIDR block`);
    const vpc = s.vpcs[sn.vpcId];
    if (vpc && !inCidr4(sn.cidr.split('/')[0]!, vpc.cidr))
      fail(`${sn.id}: ${sn.cidr} is outside ${vpc.id} ${vpc.cidr}`);
    if (sn.ipv6Cidr !== undefined && !canonicalIpv6(sn.ipv6Cidr.split('/')[0] ?? '')) fail(`${sn.id}: bad ipv6Cidr`);
    s.subnets[sn.id] = {
      id: sn.id,
      vpcId: sn.vpcId,
      cidr: sn.cidr,
      az: sn.az,
      ipv6Cidr: sn.ipv6Cidr,
      tags: { ...sn.tags },
    };
  }
  const addEni = (e: NonNullable<Ec2Seed['networkInterfaces']>[number], typeLimit = DEFAULT_MAX_IPV4_PER_ENI): Eni => {
    unique(s.enis, e.id, 'eni-');
    const subnet = s.subnets[e.subnetId] ?? fail(`${e.id}: unknown subnet "${e.subnetId}"`);
    const v4 = [e.privateIp, ...(e.secondaryIps ?? [])];
    for (const ip of v4) {
      if (!isIPv4(ip) || !inCidr4(ip, subnet.cidr))
        fail(`${e.id}: ${ip} is not an address of ${subnet.id} ${subnet.cidr}`);
      if (isReservedInSubnet(ip, subnet.cidr)) fail(`${e.id}: ${ip} is reserved by AWS in ${subnet.cidr}`);
    }
    const ipv6 = (e.ipv6 ?? []).map((ip) => {
      const c = canonicalIpv6(ip);
      if (!c || !subnet.ipv6Cidr || !inCidr6(c, subnet.ipv6Cidr))
        fail(`${e.id}: ${ip} is not in ${subnet.id}'s IPv6 block`);
      return c!;
    });
    const maxIpv4 = e.maxIpv4 ?? typeLimit;
    if (!(Number.isInteger(maxIpv4) && maxIpv4 >= 1)) fail(`${e.id}: maxIpv4 must be a positive integer`);
    if (maxIpv4 > typeLimit)
      fail(`${e.id}: maxIpv4 ${maxIpv4} is above its instance type's limit of ${typeLimit} per interface`);
    if (v4.length > maxIpv4) fail(`${e.id}: ${v4.length} addresses exceed maxIpv4 ${maxIpv4}`);
    const n = Object.keys(s.enis).length + 1;
    const eni: Eni = {
      id: e.id,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      az: subnet.az,
      primaryIp: e.privateIp,
      secondaryIps: [...(e.secondaryIps ?? [])],
      ipv6,
      maxIpv4,
      mac: `02:00:00:00:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
      sourceDestCheck: e.sourceDestCheck ?? true,
      description: e.description ?? '',
      tags: { ...e.tags },
    };
    s.enis[e.id] = eni;
    return eni;
  };
  for (const i of seed.instances ?? []) {
    unique(s.instances, i.id, 'i-');
    const eniId = i.networkInterfaceId ?? `eni-${i.id.slice(2)}`;
    const instanceType = i.instanceType ?? DEFAULT_INSTANCE_TYPE;
    let limit = 0;
    try {
      limit = ipv4PerEni(instanceType);
    } catch (err) {
      fail(`${i.id}: ${(err as Error).message}`);
    }
    const eni = addEni(
      {
        id: eniId,
        subnetId: i.subnetId,
        privateIp: i.privateIp,
        secondaryIps: i.secondaryIps,
        ipv6: i.ipv6,
        maxIpv4: i.maxIpv4,
        sourceDestCheck: i.sourceDestCheck,
      },
      limit,
    );
    eni.attachment = { attachmentId: newId('eni-attach-'), instanceId: i.id, deviceIndex: 0 };
    if (i.publicIp !== undefined) {
      if (!isIPv4(i.publicIp)) fail(`${i.id}: publicIp "${i.publicIp}" is not an IPv4 address`);
      eni.publicIp = i.publicIp;
      eni.autoPublicIp = true;
    }
    s.instances[i.id] = {
      id: i.id,
      subnetId: i.subnetId,
      az: eni.az,
      primaryEniId: eniId,
      instanceType,
      state: i.state ?? 'running',
      tags: { ...i.tags },
    };
  }
  for (const e of seed.networkInterfaces ?? []) {
    const owner = e.instanceId === undefined ? undefined : s.instances[e.instanceId];
    const eni = addEni(e, owner ? ipv4PerEni(owner.instanceType) : DEFAULT_MAX_IPV4_PER_ENI);
    if (e.instanceId !== undefined) {
      if (!s.instances[e.instanceId]) fail(`${e.id}: unknown instance "${e.instanceId}"`);
      eni.attachment = {
        attachmentId: newId('eni-attach-'),
        instanceId: e.instanceId,
        deviceIndex: e.deviceIndex ?? 1,
      };
    }
  }
  for (const a of seed.elasticIps ?? []) {
    unique(s.eips, a.allocationId, 'eipalloc-');
    if (!isIPv4(a.publicIp)) fail(`${a.allocationId}: "${a.publicIp}" is not an IPv4 address`);
    const eip = { allocationId: a.allocationId, publicIp: a.publicIp, tags: { ...a.tags } } as Ec2State['eips'][string];
    if (a.networkInterfaceId !== undefined) {
      const eni =
        s.enis[a.networkInterfaceId] ?? fail(`${a.allocationId}: unknown interface "${a.networkInterfaceId}"`);
      const privateIp = a.privateIp ?? eni.primaryIp;
      eip.association = {
        associationId: newId('eipassoc-'),
        eniId: eni.id,
        privateIp,
        instanceId: eni.attachment?.instanceId,
      };
      releasePublicIp(eni, privateIp);
    }
    s.eips[a.allocationId] = eip;
  }
  for (const rt of seed.routeTables ?? []) {
    unique(s.routeTables, rt.id, 'rtb-');
    const vpc = s.vpcs[rt.vpcId];
    const routes: Route[] = vpc ? [{ destination: vpc.cidr, gatewayId: 'local', origin: 'CreateRouteTable' }] : [];
    for (const r of rt.routes ?? []) {
      if (!parseCidr4(r.destination)) fail(`${rt.id}: "${r.destination}" is not a CIDR block`);
      let eniId = r.networkInterfaceId;
      if (r.instanceId !== undefined)
        eniId = (s.instances[r.instanceId] ?? fail(`${rt.id}: unknown instance "${r.instanceId}"`)).primaryEniId;
      if (eniId !== undefined && !s.enis[eniId]) fail(`${rt.id}: unknown interface "${eniId}"`);
      const instanceId = eniId === undefined ? undefined : s.enis[eniId]!.attachment?.instanceId;
      routes.push({
        destination: r.destination,
        networkInterfaceId: eniId,
        instanceId,
        gatewayId: eniId ? undefined : r.gatewayId,
        origin: 'CreateRoute',
      });
    }
    s.routeTables[rt.id] = {
      id: rt.id,
      vpcId: rt.vpcId,
      main: rt.main ?? false,
      subnetIds: [...(rt.subnetIds ?? [])],
      routes,
      tags: { ...rt.tags },
    };
  }
  const problems = findViolations(s);
  if (problems.length > 0) fail(problems.join('; '));
  return s;
}
