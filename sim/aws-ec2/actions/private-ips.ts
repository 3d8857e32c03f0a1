/**
 * Secondary private IPv4 addresses: AssignPrivateIpAddresses / UnassignPrivateIpAddresses.
 *
 * Real semantics modelled: the address must be a usable address of the interface's subnet;
 * an address held by another interface moves only with `AllowReassignment=true`, and an Elastic
 * IP associated with it moves along; a primary address never moves; the per-interface limit
 * counts the primary; unassigning an address disassociates any Elastic IP on it.
 */
import { isIPv4 } from 'node:net';
import { el, list } from '../../common/xml';
import { freeIpv4, inCidr4, isReservedInSubnet } from '../ip';
import { eipOnPrivateIp, privateIpHolder, type Ec2State, type Eni } from '../state';
import { Ec2Error, invalidValue, missing } from '../wire';
import type { ActionContext, ActionSpec } from './context';
import { requireEni } from './lookup';

function checkUsableAddress(s: Ec2State, eni: Eni, ip: string): void {
  if (!isIPv4(ip)) throw invalidValue(`Invalid value '${ip}' for PrivateIpAddress`);
  const subnet = s.subnets[eni.subnetId]!;
  if (!inCidr4(ip, subnet.cidr)) throw invalidValue(`Address ${ip} does not fall within the subnet's address range`);
  if (isReservedInSubnet(ip, subnet.cidr)) throw invalidValue(`Address ${ip} is in subnet's reserved address range`);
}

function assignPrivateIpAddresses(ctx: ActionContext) {
  const s = ctx.state;
  const eni = requireEni(s, ctx.params.required('NetworkInterfaceId'));
  const requested = ctx.params.list('PrivateIpAddress');
  const count = ctx.params.int('SecondaryPrivateIpAddressCount');
  const allowReassignment = ctx.params.bool('AllowReassignment') === true;
  if (requested.length > 0 && count !== undefined) {
    throw new Ec2Error(
      'InvalidParameterCombination',
      'You may specify either PrivateIpAddress or SecondaryPrivateIpAddressCount, not both',
    );
  }
  if (requested.length === 0 && count === undefined)
    throw missing('PrivateIpAddress or SecondaryPrivateIpAddressCount');
  if (count !== undefined && count < 1)
    throw invalidValue(`Invalid value '${count}' for SecondaryPrivateIpAddressCount`);

  let toAdd: string[];
  if (count !== undefined) {
    const taken = new Set(Object.values(s.enis).flatMap((e) => [e.primaryIp, ...e.secondaryIps]));
    toAdd = freeIpv4(s.subnets[eni.subnetId]!.cidr, taken, count);
    if (toAdd.length < count) {
      throw new Ec2Error(
        'InsufficientFreeAddressesInSubnet',
        `The specified subnet does not have enough free addresses to satisfy the request.`,
      );
    }
  } else {
    toAdd = [];
    for (const ip of requested) {
      checkUsableAddress(s, eni, ip);
      const holder = privateIpHolder(s, ip);
      if (holder?.eni.id === eni.id) continue; // already here: nothing to do
      if (holder?.primary)
        throw invalidValue(`Address ${ip} is the primary address of ${holder.eni.id} and cannot be reassigned`);
      if (holder && !allowReassignment)
        throw invalidValue(`Address ${ip} is already assigned to interface ${holder.eni.id}`);
      if (!toAdd.includes(ip)) toAdd.push(ip);
    }
  }
  if (1 + eni.secondaryIps.length + toAdd.length > eni.maxIpv4) {
    throw new Ec2Error('PrivateIpAddressLimitExceeded', 'Number of private addresses will exceed limit.');
  }
  for (const ip of toAdd) {
    const holder = privateIpHolder(s, ip);
    if (holder) {
      holder.eni.secondaryIps = holder.eni.secondaryIps.filter((x) => x !== ip);
      const eip = eipOnPrivateIp(s, holder.eni.id, ip);
      if (eip?.association)
        eip.association = { ...eip.association, eniId: eni.id, instanceId: eni.attachment?.instanceId };
    }
    eni.secondaryIps.push(ip);
  }
  return [
    el('networkInterfaceId', eni.id),
    list('assignedPrivateIpAddressesSet', toAdd, 'item', (ip) => el('privateIpAddress', ip)),
    list('assignedIpv4PrefixSet', [], 'item', () => undefined),
    el('return', true),
  ];
}

function unassignPrivateIpAddresses(ctx: ActionContext) {
  const s = ctx.state;
  const eni = requireEni(s, ctx.params.required('NetworkInterfaceId'));
  const ips = ctx.params.list('PrivateIpAddress');
  if (ips.length === 0) throw missing('PrivateIpAddress');
  for (const ip of ips) {
    if (ip === eni.primaryIp) throw invalidValue(`The primary address ${ip} of ${eni.id} cannot be unassigned`);
    if (!eni.secondaryIps.includes(ip))
      throw invalidValue(`Some of the specified addresses are not assigned to interface ${eni.id}`);
  }
  for (const ip of ips) {
    eni.secondaryIps = eni.secondaryIps.filter((x) => x !== ip);
    const eip = eipOnPrivateIp(s, eni.id, ip);
    if (eip) delete eip.association;
  }
  return el('return', true);
}

export const PRIVATE_IP_ACTIONS: Record<string, ActionSpec> = {
  AssignPrivateIpAddresses: { mutating: true, run: assignPrivateIpAddresses },
  UnassignPrivateIpAddresses: { mutating: true, run: unassignPrivateIpAddresses },
};
