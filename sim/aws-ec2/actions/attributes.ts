/**
 * ModifyNetworkInterfaceAttribute, for the one attribute ipferry's error messages tell an operator
 * to change: `SourceDestCheck.Value` (what `aws ec2 modify-network-interface-attribute
 * --no-source-dest-check` sends). EC2's API reference: "You can specify only one attribute at a
 * time", so a request naming two is refused; the other attributes (description, security groups,
 * attachment) are not modelled and answer as such rather than being silently accepted.
 */
import { el } from '../../common/xml';
import { Ec2Error, invalidValue, missing } from '../wire';
import type { ActionContext, ActionSpec } from './context';
import { requireEni } from './lookup';

const OTHER_ATTRIBUTES = [
  'Description.Value',
  'Attachment.AttachmentId',
  'Attachment.DeleteOnTermination',
  'SecurityGroupId.1',
  'EnaSrdSpecification.EnaSrdEnabled',
];

function modifyNetworkInterfaceAttribute(ctx: ActionContext) {
  const eni = requireEni(ctx.state, ctx.params.required('NetworkInterfaceId'));
  const check = ctx.params.bool('SourceDestCheck.Value');
  const others = OTHER_ATTRIBUTES.filter((name) => ctx.params.get(name) !== undefined);
  if (check !== undefined && others.length > 0) {
    throw new Ec2Error(
      'InvalidParameterCombination',
      'Fields for multiple attribute types specified: sourceDestCheck, ' + others.join(', '),
    );
  }
  if (others.length > 0)
    throw invalidValue(`this emulator models only sourceDestCheck of a network interface, not ${others.join(', ')}`);
  if (check === undefined) throw missing('SourceDestCheck.Value');
  eni.sourceDestCheck = check;
  return el('return', true);
}

export const ATTRIBUTE_ACTIONS: Record<string, ActionSpec> = {
  ModifyNetworkInterfaceAttribute: { mutating: true, run: modifyNetworkInterfaceAttribute },
};
