/**
 * Overlay routes: CreateRoute / ReplaceRoute / DeleteRoute with an interface, instance or
 * gateway target. An instance target is stored as its primary interface too, as EC2 shows it.
 * The VPC's `local` route cannot be replaced or deleted here. As on EC2, a route to an interface
 * whose source/destination check is on is accepted: the traffic is what is dropped (see
 * `routeDelivers` in the emulator), so only reading the interface shows the mistake.
 */
import { el } from '../../common/xml';
import { parseCidr4 } from '../ip';
import type { Ec2State, Route, RouteTable } from '../state';
import { Ec2Error, invalidValue, missing } from '../wire';
import type { ActionContext, ActionSpec } from './context';
import { requireEni, requireInstance, requireRouteTable } from './lookup';

function destination(ctx: ActionContext): string {
  const cidr = ctx.params.get('DestinationCidrBlock');
  if (cidr === undefined) {
    if (ctx.params.get('DestinationIpv6CidrBlock') !== undefined)
      throw invalidValue('IPv6 routes are not supported by this emulator');
    throw missing('DestinationCidrBlock');
  }
  if (!parseCidr4(cidr))
    throw invalidValue(
      `Value (${cidr}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
    );
  return cidr;
}

function target(ctx: ActionContext, rt: RouteTable, cidr: string): Route {
  const s: Ec2State = ctx.state;
  const eniId = ctx.params.get('NetworkInterfaceId');
  const instanceId = ctx.params.get('InstanceId');
  const gatewayId = ctx.params.get('GatewayId');
  const given = [eniId, instanceId, gatewayId].filter((t) => t !== undefined);
  if (given.length === 0) throw missing('NetworkInterfaceId, InstanceId or GatewayId');
  if (given.length > 1)
    throw new Ec2Error('InvalidParameterCombination', 'More than one target specified for the route');
  if (gatewayId !== undefined) return { destination: cidr, gatewayId, origin: 'CreateRoute' };
  let eni;
  if (instanceId !== undefined) {
    const inst = requireInstance(s, instanceId);
    const attached = Object.values(s.enis).filter((e) => e.attachment?.instanceId === inst.id);
    if (attached.length !== 1)
      throw new Ec2Error(
        'InvalidInstanceID',
        `There are multiple interfaces attached to instance '${inst.id}'. Please specify an interface ID for the operation instead.`,
      );
    eni = attached[0]!;
  } else {
    eni = requireEni(s, eniId!);
  }
  if (eni.vpcId !== rt.vpcId)
    throw invalidValue(`route table ${rt.id} and network interface ${eni.id} belong to different networks`);
  return {
    destination: cidr,
    networkInterfaceId: eni.id,
    instanceId: eni.attachment?.instanceId,
    origin: 'CreateRoute',
  };
}

function createRoute(ctx: ActionContext) {
  const rt = requireRouteTable(ctx.state, ctx.params.required('RouteTableId'));
  const cidr = destination(ctx);
  const route = target(ctx, rt, cidr);
  if (rt.routes.some((r) => r.destination === cidr)) {
    throw new Ec2Error('RouteAlreadyExists', `The route identified by ${cidr} already exists.`);
  }
  rt.routes.push(route);
  return el('return', true);
}

/**
 * The index of the route for `cidr`. A missing one is `InvalidRoute.NotFound` for DeleteRoute but
 * `InvalidParameterValue` for ReplaceRoute, as real EC2 answers (checked against AWS in
 * getmoto/moto PR #6425, which changed moto's ReplaceRoute to this error and message).
 */
function existingRoute(rt: RouteTable, cidr: string, action: 'ReplaceRoute' | 'DeleteRoute'): number {
  const i = rt.routes.findIndex((r) => r.destination === cidr);
  if (i < 0 && action === 'ReplaceRoute')
    throw invalidValue(`There is no route defined for '${cidr}' in the route table. Use CreateRoute instead.`);
  if (i < 0)
    throw new Ec2Error('InvalidRoute.NotFound', `no route with destination-cidr-block ${cidr} in route table ${rt.id}`);
  if (rt.routes[i]!.gatewayId === 'local') throw invalidValue(`The local route ${cidr} of ${rt.id} cannot be changed`);
  return i;
}

function replaceRoute(ctx: ActionContext) {
  const rt = requireRouteTable(ctx.state, ctx.params.required('RouteTableId'));
  const cidr = destination(ctx);
  const route = target(ctx, rt, cidr);
  rt.routes[existingRoute(rt, cidr, 'ReplaceRoute')] = route;
  return el('return', true);
}

function deleteRoute(ctx: ActionContext) {
  const rt = requireRouteTable(ctx.state, ctx.params.required('RouteTableId'));
  rt.routes.splice(existingRoute(rt, destination(ctx), 'DeleteRoute'), 1);
  return el('return', true);
}

export const ROUTE_ACTIONS: Record<string, ActionSpec> = {
  CreateRoute: { mutating: true, run: createRoute },
  ReplaceRoute: { mutating: true, run: replaceRoute },
  DeleteRoute: { mutating: true, run: deleteRoute },
};
