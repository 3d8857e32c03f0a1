import {
  AssignIpv6AddressesCommand,
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  CreateRouteCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  UnassignIpv6AddressesCommand,
  type Filter,
  type NetworkInterface,
  type Route,
} from '@aws-sdk/client-ec2';
import { canonicalIp } from '../../../core/ip';
import { ProviderError } from '../../../core/reasons';
import type { Ec2Sender } from './client';
import type { Frame } from '../frame';

/** Where an Elastic IP is associated (both unset when it is not). */
export interface EipAssociation {
  eni?: string;
  privateIp?: string;
}

/** A route's destination, IPv4 or IPv6 (they are separate parameters in the API). */
export interface Destination {
  cidr: string;
  family: 4 | 6;
}

/** Values in one filter of one call: larger lists are split over several calls. */
export const FILTER_CHUNK = 100;
const MAX_PAGES = 100;

/**
 * The EC2 calls the adapter makes, one method per logical call (Describe* follow pagination),
 * each through the frame: counted, time-limited, classified, retried within the deadline.
 * Reads that find nothing return empty maps; the callers decide what absence means.
 */
export class Ec2Api {
  constructor(private readonly ec2: Ec2Sender) {}

  /** Which interface holds each of these private IPv4 addresses (primary or secondary). */
  async privateIpHolders(f: Frame, ips: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const eni of await this.interfaces(f, 'addresses.private-ip-address', ips)) {
      for (const a of eni.PrivateIpAddresses ?? [])
        if (a.PrivateIpAddress && eni.NetworkInterfaceId) found.set(a.PrivateIpAddress, eni.NetworkInterfaceId);
    }
    return found;
  }

  /**
   * Every private IPv4 address on every interface of these subnets, with its interface: one
   * paginated listing per 100 subnets instead of one call per 100 addresses. `subnet-id` is one
   * of the filters EC2 names for accounts with many interfaces, and MaxResults (5–1000) pages the
   * answer (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html).
   */
  async privateIpsInSubnets(f: Frame, subnetIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const eni of await this.interfaces(f, 'subnet-id', subnetIds)) {
      for (const a of eni.PrivateIpAddresses ?? [])
        if (a.PrivateIpAddress && eni.NetworkInterfaceId) found.set(a.PrivateIpAddress, eni.NetworkInterfaceId);
    }
    return found;
  }

  /** Which interface holds each of these IPv6 addresses; keys are canonical text. */
  async ipv6Holders(f: Frame, ips: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const eni of await this.interfaces(f, 'ipv6-addresses.ipv6-address', ips)) {
      for (const a of eni.Ipv6Addresses ?? []) {
        const ip = a.Ipv6Address ? canonicalIp(a.Ipv6Address) : undefined;
        if (ip && eni.NetworkInterfaceId) found.set(ip, eni.NetworkInterfaceId);
      }
    }
    return found;
  }

  async assignPrivateIp(f: Frame, eni: string, ip: string): Promise<void> {
    // AllowReassignment: the address moves even when another interface holds it (same subnet only).
    await f.call('AssignPrivateIpAddresses', (http) =>
      this.ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: eni,
          PrivateIpAddresses: [ip],
          AllowReassignment: true,
        }),
        http,
      ),
    );
  }

  async assignIpv6(f: Frame, eni: string, ip: string, alsoRetry?: (err: ProviderError) => boolean): Promise<void> {
    await f.call(
      'AssignIpv6Addresses',
      (http) => this.ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: eni, Ipv6Addresses: [ip] }), http),
      alsoRetry,
    );
  }

  /**
   * Takes the address off `eni`. A retry that finds it already gone (the first attempt's answer
   * was lost but its effect was not) counts as success.
   */
  async unassignIpv6(f: Frame, eni: string, ip: string): Promise<void> {
    await f.call('UnassignIpv6Addresses', async (http, attempt) => {
      try {
        await this.ec2.send(new UnassignIpv6AddressesCommand({ NetworkInterfaceId: eni, Ipv6Addresses: [ip] }), http);
      } catch (err) {
        if (
          attempt > 1 &&
          (err as { name?: string }).name === 'InvalidParameterValue' &&
          /not assigned/i.test(String((err as Error).message))
        )
          return;
        throw err;
      }
    });
  }

  /**
   * Elastic IP associations by allocation id, named in AllocationId.N: an allocation EC2 does not
   * know fails the call as not-found (InvalidAllocationID.NotFound).
   */
  async eipAssociations(f: Frame, allocationIds: readonly string[]): Promise<Map<string, EipAssociation>> {
    const found = new Map<string, EipAssociation>();
    for (const chunk of chunks(allocationIds)) {
      const out = await f.call('DescribeAddresses', (http) =>
        this.ec2.send(new DescribeAddressesCommand({ AllocationIds: chunk }), http),
      );
      for (const a of out.Addresses ?? []) {
        if (a.AllocationId)
          found.set(a.AllocationId, {
            ...(a.NetworkInterfaceId ? { eni: a.NetworkInterfaceId } : {}),
            ...(a.PrivateIpAddress ? { privateIp: a.PrivateIpAddress } : {}),
          });
      }
    }
    return found;
  }

  async associateAddress(f: Frame, allocationId: string, eni: string, privateIp: string | undefined): Promise<void> {
    // AllowReassociation is always sent: omitted, its meaning depends on the account's platform.
    await f.call('AssociateAddress', (http) =>
      this.ec2.send(
        new AssociateAddressCommand({
          AllocationId: allocationId,
          NetworkInterfaceId: eni,
          AllowReassociation: true,
          ...(privateIp ? { PrivateIpAddress: privateIp } : {}),
        }),
        http,
      ),
    );
  }

  /** Routes by route table id, named in RouteTableId.N: an unknown table fails the call as not-found. */
  async routeTables(f: Frame, ids: readonly string[]): Promise<Map<string, Route[]>> {
    const found = new Map<string, Route[]>();
    for (const chunk of chunks(ids)) {
      // Named ids come back in one answer (EC2 refuses MaxResults with RouteTableId.N).
      const out = await f.call('DescribeRouteTables', (http) =>
        this.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: chunk }), http),
      );
      for (const t of out.RouteTables ?? []) if (t.RouteTableId) found.set(t.RouteTableId, t.Routes ?? []);
    }
    return found;
  }

  /**
   * Source/destination checking of these interfaces (by id): on (EC2's default) the interface
   * drops packets not addressed to its own addresses, which is every packet an overlay route sends
   * it. An interface EC2 does not know fails the call as not-found.
   */
  async sourceDestChecks(f: Frame, enis: readonly string[]): Promise<Map<string, boolean>> {
    const found = new Map<string, boolean>();
    for (const chunk of chunks(enis)) {
      const out = await f.call('DescribeNetworkInterfaces', (http) =>
        this.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: chunk }), http),
      );
      // An answer without the field is read as "on": the safe reading of EC2's default.
      for (const e of out.NetworkInterfaces ?? [])
        if (e.NetworkInterfaceId) found.set(e.NetworkInterfaceId, e.SourceDestCheck !== false);
    }
    return found;
  }

  async replaceRoute(f: Frame, table: string, dest: Destination, eni: string): Promise<void> {
    await f.call('ReplaceRoute', (http) =>
      this.ec2.send(
        new ReplaceRouteCommand({ RouteTableId: table, ...destinationParam(dest), NetworkInterfaceId: eni }),
        http,
      ),
    );
  }

  async createRoute(f: Frame, table: string, dest: Destination, eni: string): Promise<void> {
    await f.call('CreateRoute', (http) =>
      this.ec2.send(
        new CreateRouteCommand({ RouteTableId: table, ...destinationParam(dest), NetworkInterfaceId: eni }),
        http,
      ),
    );
  }

  private async interfaces(f: Frame, filter: string, values: readonly string[]): Promise<NetworkInterface[]> {
    const out: NetworkInterface[] = [];
    for (const chunk of chunks(values)) {
      const filters: Filter[] = [{ Name: filter, Values: chunk }];
      let token: string | undefined;
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES)
          throw new ProviderError('invalid', `EC2 DescribeNetworkInterfaces: more than ${MAX_PAGES} pages`, {
            code: 'unexpected-answer',
          });
        const answer = await f.call('DescribeNetworkInterfaces', (http) =>
          this.ec2.send(
            new DescribeNetworkInterfacesCommand({
              Filters: filters,
              MaxResults: 1000,
              ...(token ? { NextToken: token } : {}),
            }),
            http,
          ),
        );
        out.push(...(answer.NetworkInterfaces ?? []));
        token = answer.NextToken;
        if (!token) break;
      }
    }
    return out;
  }
}

export function destinationParam(
  dest: Destination,
): { DestinationCidrBlock: string } | { DestinationIpv6CidrBlock: string } {
  return dest.family === 4 ? { DestinationCidrBlock: dest.cidr } : { DestinationIpv6CidrBlock: dest.cidr };
}

/** The route for `dest` in a table's routes, if any. */
export function routeTo(routes: readonly Route[], dest: Destination): Route | undefined {
  return routes.find((r) =>
    dest.family === 4
      ? r.DestinationCidrBlock === dest.cidr
      : r.DestinationIpv6CidrBlock !== undefined && sameCidr6(r.DestinationIpv6CidrBlock, dest.cidr),
  );
}

function sameCidr6(a: string, b: string): boolean {
  const [aa, al] = a.split('/');
  const [ba, bl] = b.split('/');
  return al === bl && canonicalIp(aa ?? '') === canonicalIp(ba ?? '');
}

function chunks<T>(items: readonly T[]): T[][] {
  const unique = [...new Set(items)];
  const out: T[][] = [];
  for (let i = 0; i < unique.length; i += FILTER_CHUNK) out.push(unique.slice(i, i + FILTER_CHUNK));
  return out;
}
