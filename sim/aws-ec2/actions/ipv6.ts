/**
 * IPv6 addresses: AssignIpv6Addresses / UnassignIpv6Addresses. Unlike IPv4 there is no
 * reassignment: an address held by another interface must be unassigned there first, so a
 * failover of an IPv6 VIP is always two calls (unassign, then assign).
 */
import { el, list } from '../../common/xml';
import { canonicalIpv6, freeIpv6, inCidr6 } from '../ip';
import { ipv6Holder } from '../state';
import { Ec2Error, invalidValue, missing } from '../wire';
import type { ActionContext, ActionSpec } from './context';
import { requireEni } from './lookup';

function assignIpv6Addresses(ctx: ActionContext) {
  const s = ctx.state;
  const eni = requireEni(s, ctx.params.required('NetworkInterfaceId'));
  const requested = ctx.params.list('Ipv6Addresses');
  const count = ctx.params.int('Ipv6AddressCount');
  if (requested.length > 0 && count !== undefined) {
    throw new Ec2Error(
      'InvalidParameterCombination',
      'You may specify either Ipv6Addresses or Ipv6AddressCount, not both',
    );
  }
  if (requested.length === 0 && count === undefined) throw missing('Ipv6Addresses or Ipv6AddressCount');
  const block = s.subnets[eni.subnetId]!.ipv6Cidr;
  if (!block) throw invalidValue(`The subnet ${eni.subnetId} does not have an IPv6 CIDR block`);
  let toAdd: string[];
  if (count !== undefined) {
    if (count < 1) throw invalidValue(`Invalid value '${count}' for Ipv6AddressCount`);
    const taken = new Set(Object.values(s.enis).flatMap((e) => e.ipv6));
    toAdd = freeIpv6(block, taken, count);
    if (toAdd.length < count)
      throw new Ec2Error('InsufficientFreeAddressesInSubnet', 'Not enough free IPv6 addresses in the subnet.');
  } else {
    toAdd = [];
    for (const raw of requested) {
      const ip = canonicalIpv6(raw);
      if (!ip) throw invalidValue(`Invalid value '${raw}' for Ipv6Addresses`);
      if (!inCidr6(ip, block))
        throw invalidValue(`Address ${ip} does not fall within the subnet's IPv6 address range ${block}`);
      const holder = ipv6Holder(s, ip);
      if (holder?.id === eni.id) continue;
      if (holder)
        throw new Ec2Error(
          'InvalidIPAddress.InUse',
          `Address ${ip} is in use by ${holder.id}; IPv6 addresses cannot be reassigned`,
        );
      if (!toAdd.includes(ip)) toAdd.push(ip);
    }
  }
  eni.ipv6.push(...toAdd);
  return [
    el('networkInterfaceId', eni.id),
    list('assignedIpv6Addresses', toAdd, 'item', (ip) => ip),
    list('assignedIpv6PrefixSet', [], 'item', () => undefined),
  ];
}

function unassignIpv6Addresses(ctx: ActionContext) {
  const s = ctx.state;
  const eni = requireEni(s, ctx.params.required('NetworkInterfaceId'));
  const requested = ctx.params.list('Ipv6Addresses');
  if (requested.length === 0) throw missing('Ipv6Addresses');
  const ips = requested.map((raw) => canonicalIpv6(raw) ?? invalidThrow(raw));
  for (const ip of ips) {
    if (!eni.ipv6.includes(ip)) throw invalidValue(`Address ${ip} is not assigned to interface ${eni.id}`);
  }
  eni.ipv6 = eni.ipv6.filter((ip) => !ips.includes(ip));
  return [
    el('networkInterfaceId', eni.id),
    list('unassignedIpv6Addresses', ips, 'item', (ip) => ip),
    list('unassignedIpv6PrefixSet', [], 'item', () => undefined),
  ];
}

function invalidThrow(raw: string): never {
  throw invalidValue(`Invalid value '${raw}' for Ipv6Addresses`);
}

export const IPV6_ACTIONS: Record<string, ActionSpec> = {
  AssignIpv6Addresses: { mutating: true, run: assignIpv6Addresses },
  UnassignIpv6Addresses: { mutating: true, run: unassignIpv6Addresses },
};
