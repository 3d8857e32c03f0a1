/**
 * The EC2 emulator's world: plain JSON-able records keyed by id, so a whole state can be cloned
 * (`structuredClone`) for an atomic mutation and kept in history for lagged reads.
 */
export type Tags = Record<string, string>;

export interface Vpc {
  id: string;
  cidr: string;
}

export interface Subnet {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  /** Present when the subnet has an IPv6 block (a /64). */
  ipv6Cidr?: string;
  tags: Tags;
}

export interface Instance {
  id: string;
  subnetId: string;
  az: string;
  primaryEniId: string;
  /** Decides the per-interface IPv4 limit (instance-types.ts). */
  instanceType: string;
  state: 'running' | 'stopped';
  tags: Tags;
}

export interface Eni {
  id: string;
  subnetId: string;
  vpcId: string;
  az: string;
  attachment?: { attachmentId: string; instanceId: string; deviceIndex: number };
  primaryIp: string;
  secondaryIps: string[];
  ipv6: string[];
  /** Private IPv4 addresses (primary included) the instance type allows on this interface. */
  maxIpv4: number;
  mac: string;
  /**
   * On (EC2's default for every new interface), the interface drops traffic not addressed to one
   * of its own addresses: a route to it carries nothing until the check is turned off.
   */
  sourceDestCheck: boolean;
  /**
   * The auto-assigned public IPv4 address on the primary private address, when the interface has
   * one and no Elastic IP sits there. EC2 releases it when an EIP is associated with the primary
   * address and gives a new one (never the old) when that EIP leaves.
   */
  publicIp?: string;
  /** The interface was launched with an auto-assigned public address (so it gets a new one back). */
  autoPublicIp?: boolean;
  /** Public addresses this interface had and lost: EC2 never hands one back. */
  releasedPublicIps?: string[];
  description: string;
  tags: Tags;
}

export interface EipAssociation {
  associationId: string;
  eniId: string;
  privateIp: string;
  instanceId?: string;
}

export interface Eip {
  allocationId: string;
  publicIp: string;
  association?: EipAssociation;
  tags: Tags;
}

/** Exactly one target is set; `gatewayId: 'local'` is the VPC's own route. */
export interface Route {
  destination: string;
  networkInterfaceId?: string;
  instanceId?: string;
  gatewayId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTable {
  id: string;
  vpcId: string;
  main: boolean;
  subnetIds: string[];
  routes: Route[];
  tags: Tags;
}

export interface Ec2State {
  vpcs: Record<string, Vpc>;
  subnets: Record<string, Subnet>;
  instances: Record<string, Instance>;
  enis: Record<string, Eni>;
  eips: Record<string, Eip>;
  routeTables: Record<string, RouteTable>;
}

export function emptyState(): Ec2State {
  return { vpcs: {}, subnets: {}, instances: {}, enis: {}, eips: {}, routeTables: {} };
}

/** Who holds a private IPv4 address, if anyone. */
export function privateIpHolder(s: Ec2State, ip: string): { eni: Eni; primary: boolean } | undefined {
  for (const eni of Object.values(s.enis)) {
    if (eni.primaryIp === ip) return { eni, primary: true };
    if (eni.secondaryIps.includes(ip)) return { eni, primary: false };
  }
  return undefined;
}

export function ipv6Holder(s: Ec2State, ip: string): Eni | undefined {
  return Object.values(s.enis).find((eni) => eni.ipv6.includes(ip));
}

export function eipOnPrivateIp(s: Ec2State, eniId: string, privateIp: string): Eip | undefined {
  return Object.values(s.eips).find((e) => e.association?.eniId === eniId && e.association.privateIp === privateIp);
}

export function allPrivateIps(eni: Eni): string[] {
  return [eni.primaryIp, ...eni.secondaryIps];
}

/**
 * The invariant the emulator checks after every mutation: no address has two holders, no EIP
 * association dangles, and every route destination has one target per table.
 */
export function findViolations(s: Ec2State): string[] {
  const out: string[] = [];
  const v4 = new Map<string, string>();
  const v6 = new Map<string, string>();
  for (const eni of Object.values(s.enis)) {
    for (const ip of allPrivateIps(eni)) {
      const other = v4.get(ip);
      if (other !== undefined && other !== eni.id) out.push(`private IP ${ip} held by ${other} and ${eni.id}`);
      else if (other === eni.id) out.push(`private IP ${ip} listed twice on ${eni.id}`);
      v4.set(ip, eni.id);
    }
    for (const ip of eni.ipv6) {
      const other = v6.get(ip);
      if (other !== undefined) out.push(`IPv6 ${ip} held by ${other} and ${eni.id}`);
      v6.set(ip, eni.id);
    }
  }
  const onPrivateIp = new Map<string, string>();
  for (const eip of Object.values(s.eips)) {
    const a = eip.association;
    if (!a) continue;
    const key = `${a.eniId}/${a.privateIp}`;
    const other = onPrivateIp.get(key);
    if (other !== undefined) out.push(`${key} carries both ${other} and ${eip.allocationId}`);
    onPrivateIp.set(key, eip.allocationId);
    const eni = s.enis[a.eniId];
    if (!eni || !allPrivateIps(eni).includes(a.privateIp)) {
      out.push(`${eip.allocationId} is associated with ${key}, which that interface does not hold`);
    }
  }
  for (const rt of Object.values(s.routeTables)) {
    const seen = new Set<string>();
    for (const r of rt.routes) {
      if (seen.has(r.destination)) out.push(`${rt.id} has two routes for ${r.destination}`);
      seen.add(r.destination);
      const targets = [r.networkInterfaceId ?? r.instanceId, r.gatewayId].filter((t) => t !== undefined);
      if (targets.length !== 1) out.push(`${rt.id} route ${r.destination} has ${targets.length} targets`);
    }
  }
  return out;
}
