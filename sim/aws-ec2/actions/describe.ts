/**
 * The Describe* actions. They read the lagged view of the state (eventual consistency); an id
 * that the view does not know yet is "not found", as on real EC2 right after a create.
 */
import { el, list, opt } from '../../common/xml';
import { applyFilters, page, type FilterFields } from '../filters';
import { eipXml, eniXml, instanceXml, routeTableXml, subnetXml } from '../render';
import {
  allPrivateIps,
  type Ec2State,
  type Eip,
  type Eni,
  type Instance,
  type RouteTable,
  type Subnet,
} from '../state';
import { Ec2Error } from '../wire';
import type { ActionContext, ActionSpec } from './context';
import { check } from './lookup';

/** The records the ids name (all when none), or the Malformed / NotFound error EC2 answers. */
function byIds<T>(all: Record<string, T>, ids: string[], prefix: string, kind: string, what: string): T[] {
  if (ids.length === 0) return Object.values(all);
  return ids.map((id) => check(all[id], id, prefix, kind, what));
}

const ENI_FILTERS: FilterFields<Eni> = {
  'network-interface-id': (e) => [e.id],
  'addresses.private-ip-address': (e) => allPrivateIps(e),
  'private-ip-address': (e) => allPrivateIps(e),
  'ipv6-addresses.ipv6-address': (e) => e.ipv6,
  'subnet-id': (e) => [e.subnetId],
  'vpc-id': (e) => [e.vpcId],
  'availability-zone': (e) => [e.az],
  'attachment.instance-id': (e) => [e.attachment?.instanceId],
  'attachment.device-index': (e) => [e.attachment ? String(e.attachment.deviceIndex) : undefined],
  'attachment.status': (e) => [e.attachment ? 'attached' : undefined],
  status: (e) => [e.attachment ? 'in-use' : 'available'],
  'mac-address': (e) => [e.mac],
  'source-dest-check': (e) => [String(e.sourceDestCheck)],
  description: (e) => [e.description],
};

function describeNetworkInterfaces(ctx: ActionContext) {
  const ids = ctx.params.list('NetworkInterfaceId');
  const all = byIds(ctx.state.enis, ids, 'eni-', 'NetworkInterfaceID', 'networkInterface');
  const filtered = applyFilters(all, ctx.params.filters(), ENI_FILTERS);
  const p = page(filtered, ctx.params.int('MaxResults'), ctx.params.get('NextToken'), ids.length > 0);
  return [list('networkInterfaceSet', p.items, 'item', (e) => eniXml(ctx.state, e)), opt('nextToken', p.next)];
}

const EIP_FILTERS: FilterFields<Eip> = {
  'allocation-id': (a) => [a.allocationId],
  'association-id': (a) => [a.association?.associationId],
  'network-interface-id': (a) => [a.association?.eniId],
  'private-ip-address': (a) => [a.association?.privateIp],
  'instance-id': (a) => [a.association?.instanceId],
  'public-ip': (a) => [a.publicIp],
  domain: () => ['vpc'],
};

function describeAddresses(ctx: ActionContext) {
  const allocationIds = ctx.params.list('AllocationId');
  const publicIps = ctx.params.list('PublicIp');
  let all = byIds(ctx.state.eips, allocationIds, 'eipalloc-', 'AllocationID', 'allocation');
  if (publicIps.length > 0) {
    for (const ip of publicIps) {
      if (!all.some((a) => a.publicIp === ip))
        throw new Ec2Error('InvalidAddress.NotFound', `Address '${ip}' not found.`);
    }
    all = all.filter((a) => publicIps.includes(a.publicIp));
  }
  const filtered = applyFilters(all, ctx.params.filters(), EIP_FILTERS);
  return list('addressesSet', filtered, 'item', eipXml);
}

const ROUTE_TABLE_FILTERS: FilterFields<RouteTable> = {
  'route-table-id': (t) => [t.id],
  'vpc-id': (t) => [t.vpcId],
  'association.main': (t) => [String(t.main)],
  'association.subnet-id': (t) => t.subnetIds,
  'route.destination-cidr-block': (t) => t.routes.map((r) => r.destination),
  'route.network-interface-id': (t) => t.routes.map((r) => r.networkInterfaceId),
  'route.instance-id': (t) => t.routes.map((r) => r.instanceId),
  'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
};

function describeRouteTables(ctx: ActionContext) {
  const ids = ctx.params.list('RouteTableId');
  const all = byIds(ctx.state.routeTables, ids, 'rtb-', 'RouteTableID', 'routeTable');
  const filtered = applyFilters(all, ctx.params.filters(), ROUTE_TABLE_FILTERS);
  const p = page(filtered, ctx.params.int('MaxResults'), ctx.params.get('NextToken'), ids.length > 0);
  return [list('routeTableSet', p.items, 'item', routeTableXml), opt('nextToken', p.next)];
}

const SUBNET_FILTERS: FilterFields<Subnet> = {
  'subnet-id': (s) => [s.id],
  'vpc-id': (s) => [s.vpcId],
  'availability-zone': (s) => [s.az],
  'cidr-block': (s) => [s.cidr],
  cidrBlock: (s) => [s.cidr],
  cidr: (s) => [s.cidr],
  'ipv6-cidr-block-association.ipv6-cidr-block': (s) => [s.ipv6Cidr],
  state: () => ['available'],
};

function describeSubnets(ctx: ActionContext) {
  const ids = ctx.params.list('SubnetId');
  const all = byIds(ctx.state.subnets, ids, 'subnet-', 'SubnetID', 'subnet');
  const filtered = applyFilters(all, ctx.params.filters(), SUBNET_FILTERS);
  const p = page(filtered, ctx.params.int('MaxResults'), ctx.params.get('NextToken'), ids.length > 0);
  return [list('subnetSet', p.items, 'item', (s) => subnetXml(ctx.state, s)), opt('nextToken', p.next)];
}

function instanceFilters(s: Ec2State): FilterFields<Instance> {
  const enisOf = (i: Instance) => Object.values(s.enis).filter((e) => e.attachment?.instanceId === i.id);
  return {
    'instance-id': (i) => [i.id],
    'subnet-id': (i) => [i.subnetId],
    'availability-zone': (i) => [i.az],
    'instance-state-name': (i) => [i.state],
    'private-ip-address': (i) => [s.enis[i.primaryEniId]?.primaryIp],
    'network-interface.network-interface-id': (i) => enisOf(i).map((e) => e.id),
    'network-interface.addresses.private-ip-address': (i) => enisOf(i).flatMap(allPrivateIps),
    'vpc-id': (i) => [s.enis[i.primaryEniId]?.vpcId],
  };
}

function describeInstances(ctx: ActionContext) {
  const ids = ctx.params.list('InstanceId');
  const all = byIds(ctx.state.instances, ids, 'i-', 'InstanceID', 'instance');
  const filtered = applyFilters(all, ctx.params.filters(), instanceFilters(ctx.state));
  const p = page(filtered, ctx.params.int('MaxResults'), ctx.params.get('NextToken'), ids.length > 0);
  // One reservation per instance: enough for identity lookups, which is what callers use it for.
  return [
    list('reservationSet', p.items, 'item', (i) => [
      el('reservationId', `r-${i.id.slice(2)}`),
      el('ownerId', '123456789012'),
      list('groupSet', [], 'item', () => undefined),
      list('instancesSet', [i], 'item', (inst) => instanceXml(ctx.state, inst)),
    ]),
    opt('nextToken', p.next),
  ];
}

export const DESCRIBE_ACTIONS: Record<string, ActionSpec> = {
  DescribeNetworkInterfaces: { mutating: false, run: describeNetworkInterfaces },
  DescribeAddresses: { mutating: false, run: describeAddresses },
  DescribeRouteTables: { mutating: false, run: describeRouteTables },
  DescribeSubnets: { mutating: false, run: describeSubnets },
  DescribeInstances: { mutating: false, run: describeInstances },
};
