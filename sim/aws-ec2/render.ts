/**
 * State records as EC2 XML items, with the element names the SDK's deserializer reads
 * (`networkInterfaceSet/item/privateIpAddressesSet/item`, `tagSet/item/{key,value}`, ...).
 */
import { el, list, opt, type Xml, type XmlContent } from '../common/xml';
import {
  eipOnPrivateIp,
  type Ec2State,
  type Eip,
  type Eni,
  type Instance,
  type RouteTable,
  type Subnet,
  type Tags,
} from './state';

export const OWNER_ID = '123456789012';

export function tagSet(tags: Tags): Xml {
  return list('tagSet', Object.entries(tags), 'item', ([k, v]) => [el('key', k), el('value', v)]);
}

function eipAssociationXml(eip: Eip | undefined): Xml | undefined {
  if (!eip?.association) return undefined;
  return el(
    'association',
    el('publicIp', eip.publicIp),
    el('publicDnsName', `ec2-${eip.publicIp.replace(/\./g, '-')}.compute.example`),
    el('ipOwnerId', OWNER_ID),
    el('allocationId', eip.allocationId),
    el('associationId', eip.association.associationId),
  );
}

/** An auto-assigned public address shows as an association owned by "amazon", with no ids. */
function publicIpXml(eni: Eni, ip: string): Xml | undefined {
  if (ip !== eni.primaryIp || eni.publicIp === undefined) return undefined;
  return el(
    'association',
    el('publicIp', eni.publicIp),
    el('publicDnsName', `ec2-${eni.publicIp.replace(/\./g, '-')}.compute.example`),
    el('ipOwnerId', 'amazon'),
  );
}

function associationXml(s: Ec2State, eni: Eni, ip: string): Xml | undefined {
  return eipAssociationXml(eipOnPrivateIp(s, eni.id, ip)) ?? publicIpXml(eni, ip);
}

export function eniXml(s: Ec2State, eni: Eni): XmlContent[] {
  const ips = [eni.primaryIp, ...eni.secondaryIps];
  return [
    el('networkInterfaceId', eni.id),
    el('subnetId', eni.subnetId),
    el('vpcId', eni.vpcId),
    el('availabilityZone', eni.az),
    el('description', eni.description),
    el('ownerId', OWNER_ID),
    el('requesterManaged', false),
    el('status', eni.attachment ? 'in-use' : 'available'),
    el('macAddress', eni.mac),
    el('privateIpAddress', eni.primaryIp),
    el('privateDnsName', `ip-${eni.primaryIp.replace(/\./g, '-')}.${eni.az.slice(0, -1)}.compute.internal`),
    el('sourceDestCheck', eni.sourceDestCheck),
    el('interfaceType', 'interface'),
    list('groupSet', [], 'item', () => undefined),
    opt(
      'attachment',
      eni.attachment && [
        el('attachmentId', eni.attachment.attachmentId),
        el('instanceId', eni.attachment.instanceId),
        el('instanceOwnerId', OWNER_ID),
        el('deviceIndex', eni.attachment.deviceIndex),
        el('status', 'attached'),
        el('attachTime', '2026-01-01T00:00:00.000Z'),
        el('deleteOnTermination', eni.attachment.deviceIndex === 0),
      ],
    ),
    associationXml(s, eni, eni.primaryIp),
    tagSet(eni.tags),
    list('privateIpAddressesSet', ips, 'item', (ip) => [
      el('privateIpAddress', ip),
      el('primary', ip === eni.primaryIp),
      associationXml(s, eni, ip),
    ]),
    list('ipv6AddressesSet', eni.ipv6, 'item', (ip) => [el('ipv6Address', ip), el('isPrimaryIpv6', false)]),
    el('ipv6Native', false),
  ];
}

export function eipXml(eip: Eip): XmlContent[] {
  const a = eip.association;
  return [
    el('publicIp', eip.publicIp),
    el('allocationId', eip.allocationId),
    el('domain', 'vpc'),
    opt('associationId', a?.associationId),
    opt('instanceId', a?.instanceId),
    opt('networkInterfaceId', a?.eniId),
    opt('networkInterfaceOwnerId', a ? OWNER_ID : undefined),
    opt('privateIpAddress', a?.privateIp),
    el('publicIpv4Pool', 'amazon'),
    el('networkBorderGroup', 'emulated-region'),
    tagSet(eip.tags),
  ];
}

export function routeTableXml(rt: RouteTable): XmlContent[] {
  return [
    el('routeTableId', rt.id),
    el('vpcId', rt.vpcId),
    el('ownerId', OWNER_ID),
    list('routeSet', rt.routes, 'item', (r) => [
      el('destinationCidrBlock', r.destination),
      opt('gatewayId', r.gatewayId),
      opt('instanceId', r.instanceId),
      opt('instanceOwnerId', r.instanceId ? OWNER_ID : undefined),
      opt('networkInterfaceId', r.networkInterfaceId),
      el('state', 'active'),
      el('origin', r.origin),
    ]),
    list('associationSet', [...(rt.main ? [undefined] : []), ...rt.subnetIds], 'item', (subnetId) => [
      el('routeTableAssociationId', `rtbassoc-${rt.id.slice(4)}${subnetId ? `-${subnetId.slice(7)}` : ''}`),
      el('routeTableId', rt.id),
      opt('subnetId', subnetId),
      el('main', subnetId === undefined),
      el('associationState', el('state', 'associated')),
    ]),
    list('propagatingVgwSet', [], 'item', () => undefined),
    tagSet(rt.tags),
  ];
}

export function subnetXml(s: Ec2State, sn: Subnet): XmlContent[] {
  const used = Object.values(s.enis)
    .filter((e) => e.subnetId === sn.id)
    .reduce((n, e) => n + 1 + e.secondaryIps.length, 0);
  const size = 2 ** (32 - Number(sn.cidr.split('/')[1]));
  return [
    el('subnetId', sn.id),
    el('subnetArn', `arn:aws:ec2:emulated:${OWNER_ID}:subnet/${sn.id}`),
    el('state', 'available'),
    el('vpcId', sn.vpcId),
    el('ownerId', OWNER_ID),
    el('cidrBlock', sn.cidr),
    el('availableIpAddressCount', Math.max(0, size - 5 - used)),
    el('availabilityZone', sn.az),
    el('defaultForAz', false),
    el('mapPublicIpOnLaunch', false),
    el('assignIpv6AddressOnCreation', false),
    list('ipv6CidrBlockAssociationSet', sn.ipv6Cidr ? [sn.ipv6Cidr] : [], 'item', (c) => [
      el('ipv6CidrBlock', c),
      el('associationId', `subnet-cidr-assoc-${sn.id.slice(7)}`),
      el('ipv6CidrBlockState', el('state', 'associated')),
    ]),
    tagSet(sn.tags),
  ];
}

export function instanceXml(s: Ec2State, inst: Instance): XmlContent[] {
  const enis = Object.values(s.enis)
    .filter((e) => e.attachment?.instanceId === inst.id)
    .sort((a, b) => a.attachment!.deviceIndex - b.attachment!.deviceIndex);
  const primary = s.enis[inst.primaryEniId];
  const publicEip = primary ? eipOnPrivateIp(s, primary.id, primary.primaryIp) : undefined;
  return [
    el('instanceId', inst.id),
    el('imageId', 'ami-00000000000000000'),
    el('instanceState', el('code', inst.state === 'running' ? 16 : 80), el('name', inst.state)),
    el('instanceType', inst.instanceType),
    el('placement', el('availabilityZone', inst.az), el('tenancy', 'default')),
    el('subnetId', inst.subnetId),
    opt('vpcId', primary?.vpcId),
    opt('privateIpAddress', primary?.primaryIp),
    opt('ipAddress', publicEip?.publicIp ?? primary?.publicIp),
    el('sourceDestCheck', primary?.sourceDestCheck ?? true),
    list('networkInterfaceSet', enis, 'item', (eni) => eniXml(s, eni)),
    tagSet(inst.tags),
  ];
}
