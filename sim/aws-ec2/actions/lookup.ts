/** Resolving the ids a request names, with the error codes EC2 answers for bad or unknown ids. */
import type { Ec2State, Eip, Eni, Instance, RouteTable } from '../state';
import { Ec2Error } from '../wire';

export function check<T>(record: T | undefined, id: string, prefix: string, kind: string, what: string): T {
  if (!id.startsWith(prefix))
    throw new Ec2Error(`Invalid${kind}.Malformed`, `Invalid id: "${id}" (expecting "${prefix}...")`);
  if (record === undefined) throw new Ec2Error(`Invalid${kind}.NotFound`, `The ${what} ID '${id}' does not exist`);
  return record;
}

export function requireEni(s: Ec2State, id: string): Eni {
  return check(s.enis[id], id, 'eni-', 'NetworkInterfaceID', 'networkInterface');
}

export function requireInstance(s: Ec2State, id: string): Instance {
  return check(s.instances[id], id, 'i-', 'InstanceID', 'instance');
}

export function requireRouteTable(s: Ec2State, id: string): RouteTable {
  return check(s.routeTables[id], id, 'rtb-', 'RouteTableID', 'routeTable');
}

export function requireEip(s: Ec2State, allocationId: string): Eip {
  return check(s.eips[allocationId], allocationId, 'eipalloc-', 'AllocationID', 'allocation');
}

/** AssociateAddress/DisassociateAddress also accept the (deprecated) PublicIp instead of the id. */
export function eipByPublicIp(s: Ec2State, publicIp: string): Eip {
  const eip = Object.values(s.eips).find((e) => e.publicIp === publicIp);
  if (!eip) throw new Ec2Error('InvalidAddress.NotFound', `Address '${publicIp}' not found.`);
  return eip;
}
