/**
 * Elastic IPs: AssociateAddress / DisassociateAddress.
 *
 * Real semantics modelled: an interface or an instance (with exactly one interface) is the
 * target; the private address defaults to the interface's primary and must be one it holds;
 * an EIP associated elsewhere is moved unless `AllowReassociation=false` (or the emulator's
 * `strictReassociation` setting and no explicit `true`), which answers `Resource.AlreadyAssociated`;
 * associating onto a private address that carries another EIP pushes that one off; repeating
 * an association that already holds is a no-op success.
 */
import { el } from '../../common/xml';
import { allPrivateIps, eipOnPrivateIp, type Ec2State, type Eip, type Eni } from '../state';
import { releasePublicIp, renewPublicIp } from '../public-ip';
import { Ec2Error, invalidValue, missing } from '../wire';
import type { ActionContext, ActionSpec } from './context';
import { eipByPublicIp, requireEip, requireEni, requireInstance } from './lookup';

function targetEni(s: Ec2State, eniId: string | undefined, instanceId: string | undefined): Eni {
  if (eniId !== undefined && instanceId !== undefined) {
    throw new Ec2Error(
      'InvalidParameterCombination',
      'You can specify either the instance ID or the network interface ID, but not both',
    );
  }
  if (eniId !== undefined) return requireEni(s, eniId);
  if (instanceId === undefined) throw missing('InstanceId or NetworkInterfaceId');
  const inst = requireInstance(s, instanceId);
  const attached = Object.values(s.enis).filter((e) => e.attachment?.instanceId === inst.id);
  if (attached.length !== 1) {
    throw new Ec2Error(
      'InvalidInstanceID',
      `There are multiple interfaces attached to instance '${inst.id}'. Please specify an interface ID for the operation instead.`,
    );
  }
  return attached[0]!;
}

function lookupEip(ctx: ActionContext): Eip {
  const allocationId = ctx.params.get('AllocationId');
  if (allocationId !== undefined) return requireEip(ctx.state, allocationId);
  const publicIp = ctx.params.get('PublicIp');
  if (publicIp !== undefined) return eipByPublicIp(ctx.state, publicIp);
  throw missing('AllocationId');
}

function associateAddress(ctx: ActionContext) {
  const s = ctx.state;
  const eip = lookupEip(ctx);
  const eni = targetEni(s, ctx.params.get('NetworkInterfaceId'), ctx.params.get('InstanceId'));
  const privateIp = ctx.params.get('PrivateIpAddress') ?? eni.primaryIp;
  if (!allPrivateIps(eni).includes(privateIp)) {
    throw invalidValue(`The private IP address ${privateIp} is not associated with the network interface ${eni.id}`);
  }
  const current = eip.association;
  if (current && current.eniId === eni.id && current.privateIp === privateIp) {
    return el('associationId', current.associationId);
  }
  const allow = ctx.params.bool('AllowReassociation');
  const refuses = allow === false || (allow === undefined && ctx.settings.strictReassociation);
  if (current && refuses) {
    throw new Ec2Error(
      'Resource.AlreadyAssociated',
      `resource ${eip.allocationId} is already associated with associate-id ${current.associationId}`,
    );
  }
  const displaced = eipOnPrivateIp(s, eni.id, privateIp);
  if (displaced) delete displaced.association;
  const associationId = ctx.newId('eipassoc-');
  eip.association = { associationId, eniId: eni.id, privateIp, instanceId: eni.attachment?.instanceId };
  releasePublicIp(eni, privateIp);
  if (current) renewPublicIp(s, s.enis[current.eniId], current.privateIp);
  return el('associationId', associationId);
}

function disassociateAddress(ctx: ActionContext) {
  const s = ctx.state;
  const associationId = ctx.params.get('AssociationId');
  if (associationId !== undefined) {
    const eip = Object.values(s.eips).find((e) => e.association?.associationId === associationId);
    if (!eip)
      throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    leave(s, eip);
    return el('return', true);
  }
  const publicIp = ctx.params.get('PublicIp');
  if (publicIp === undefined) throw missing('AssociationId');
  leave(s, eipByPublicIp(s, publicIp));
  return el('return', true);
}

/** Disassociates, and gives the interface it leaves a new public address when EC2 would. */
function leave(s: Ec2State, eip: Eip): void {
  const was = eip.association;
  delete eip.association;
  if (was) renewPublicIp(s, s.enis[was.eniId], was.privateIp);
}

export const ADDRESS_ACTIONS: Record<string, ActionSpec> = {
  AssociateAddress: { mutating: true, run: associateAddress },
  DisassociateAddress: { mutating: true, run: disassociateAddress },
};
