import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  paginateDescribeNetworkInterfaces,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { exampleEc2Seed } from '../../sim/aws-ec2/example-seed';

let emu: Ec2Emulator;
let ec2: EC2Client;

beforeEach(async () => {
  emu = new Ec2Emulator({ seed: exampleEc2Seed() });
  await emu.start(0);
  ec2 = new EC2Client({
    endpoint: emu.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  ec2.destroy();
  await emu.close();
});

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('DescribeNetworkInterfaces', () => {
  it('answers an interface with its addresses, attachment, Elastic IP and subnet', async () => {
    const out = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0aaa'] }));
    expect(out.NetworkInterfaces).toHaveLength(1);
    const eni = out.NetworkInterfaces![0]!;
    expect(eni).toMatchObject({
      NetworkInterfaceId: 'eni-0aaa',
      SubnetId: 'subnet-0a',
      VpcId: 'vpc-0a1',
      AvailabilityZone: 'eu-central-1a',
      PrivateIpAddress: '10.0.1.10',
      Status: 'in-use',
      Attachment: { InstanceId: 'i-0aaa', DeviceIndex: 0, Status: 'attached' },
      Ipv6Addresses: [{ Ipv6Address: '2001:db8:0:1::100' }],
    });
    expect(eni.PrivateIpAddresses).toEqual([
      expect.objectContaining({ PrivateIpAddress: '10.0.1.10', Primary: true }),
      expect.objectContaining({
        PrivateIpAddress: '10.0.1.100',
        Primary: false,
        Association: expect.objectContaining({ PublicIp: '198.51.100.10', AllocationId: 'eipalloc-0aaa' }),
      }),
    ]);
    expect(eni.Attachment?.AttachTime).toBeInstanceOf(Date);
  });

  it('filters by private address, subnet and attachment (values ORed, filters ANDed, wildcards)', async () => {
    const byVip = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.100'] }],
      }),
    );
    expect(byVip.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0aaa']);
    const bySubnet = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: 'subnet-id', Values: ['subnet-0a'] },
          { Name: 'attachment.instance-id', Values: ['i-0bbb', 'i-0ccc'] },
        ],
      }),
    );
    expect(bySubnet.NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0bbb']);
    const wildcard = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'network-interface-id', Values: ['eni-0b*', 'eni-0c?c'] }],
      }),
    );
    expect(wildcard.NetworkInterfaces?.map((e) => e.NetworkInterfaceId).sort()).toEqual(['eni-0bbb', 'eni-0ccc']);
  });

  it('refuses an unknown filter name instead of matching everything', async () => {
    const err = await failure(
      ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'private-ip', Values: ['10.0.1.10'] }] })),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('answers InvalidNetworkInterfaceID.NotFound for an unknown id and .Malformed for a bad one', async () => {
    const unknown = await failure(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0aaa', 'eni-0404'] })),
    );
    expect(unknown.name).toBe('InvalidNetworkInterfaceID.NotFound');
    expect(unknown.message).toContain('eni-0404');
    expect(unknown.$metadata.httpStatusCode).toBe(400);
    const malformed = await failure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['nic-1'] })));
    expect(malformed.name).toBe('InvalidNetworkInterfaceID.Malformed');
  });

  it('pages with MaxResults/NextToken through the SDK paginator', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const p of paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 5 }, {})) {
      pages++;
      seen.push(...(p.NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId!));
      if (pages > 10) break;
    }
    expect(seen.sort()).toEqual(['eni-0aaa', 'eni-0bbb', 'eni-0ccc']);
    expect(pages).toBe(1);
  });
});

describe('DescribeAddresses', () => {
  it('answers associated and free addresses', async () => {
    const out = await ec2.send(new DescribeAddressesCommand({}));
    const byId = Object.fromEntries((out.Addresses ?? []).map((a) => [a.AllocationId, a]));
    expect(byId['eipalloc-0aaa']).toMatchObject({
      PublicIp: '198.51.100.10',
      Domain: 'vpc',
      NetworkInterfaceId: 'eni-0aaa',
      PrivateIpAddress: '10.0.1.100',
      InstanceId: 'i-0aaa',
      Tags: [{ Key: 'vip', Value: 'web' }],
    });
    expect(byId['eipalloc-0aaa']?.AssociationId).toMatch(/^eipassoc-/);
    expect(byId['eipalloc-0bbb']?.AssociationId).toBeUndefined();
  });

  it('selects by AllocationId.N, PublicIp.N and filters', async () => {
    const byIp = await ec2.send(new DescribeAddressesCommand({ PublicIps: ['198.51.100.11'] }));
    expect(byIp.Addresses?.map((a) => a.AllocationId)).toEqual(['eipalloc-0bbb']);
    const byEni = await ec2.send(
      new DescribeAddressesCommand({ Filters: [{ Name: 'network-interface-id', Values: ['eni-0aaa'] }] }),
    );
    expect(byEni.Addresses?.map((a) => a.AllocationId)).toEqual(['eipalloc-0aaa']);
    const byTag = await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'tag:vip', Values: ['web'] }] }));
    expect(byTag.Addresses?.map((a) => a.AllocationId)).toEqual(['eipalloc-0aaa']);
  });

  it('answers InvalidAllocationID.NotFound and InvalidAddress.NotFound', async () => {
    expect((await failure(ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0404'] })))).name).toBe(
      'InvalidAllocationID.NotFound',
    );
    expect((await failure(ec2.send(new DescribeAddressesCommand({ PublicIps: ['198.51.100.99'] })))).name).toBe(
      'InvalidAddress.NotFound',
    );
  });
});

describe('DescribeRouteTables, DescribeSubnets, DescribeInstances', () => {
  it('answers routes with their targets, including the local route', async () => {
    const out = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-0main'] }));
    const routes = out.RouteTables?.[0]?.Routes ?? [];
    expect(routes).toContainEqual(expect.objectContaining({ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }));
    expect(routes).toContainEqual(
      expect.objectContaining({
        DestinationCidrBlock: '192.0.2.10/32',
        NetworkInterfaceId: 'eni-0aaa',
        InstanceId: 'i-0aaa',
        State: 'active',
      }),
    );
    const filtered = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route.destination-cidr-block', Values: ['192.0.2.10/32'] }],
      }),
    );
    expect(filtered.RouteTables?.map((t) => t.RouteTableId)).toEqual(['rtb-0main']);
    expect((await failure(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-0404'] })))).name).toBe(
      'InvalidRouteTableID.NotFound',
    );
  });

  it('answers subnets with CIDR, AZ and IPv6 block', async () => {
    const out = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['eu-central-1b'] }] }),
    );
    expect(out.Subnets).toHaveLength(1);
    expect(out.Subnets![0]).toMatchObject({ SubnetId: 'subnet-0b', CidrBlock: '10.0.2.0/24', VpcId: 'vpc-0a1' });
    expect(out.Subnets![0]!.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock).toBe('2001:db8:0:2::/64');
  });

  it('answers an instance with its placement, state and interfaces (enough for identity)', async () => {
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'private-ip-address', Values: ['10.0.2.10'] }] }),
    );
    const inst = out.Reservations?.[0]?.Instances?.[0];
    expect(inst).toMatchObject({
      InstanceId: 'i-0ccc',
      SubnetId: 'subnet-0b',
      PrivateIpAddress: '10.0.2.10',
      Placement: { AvailabilityZone: 'eu-central-1b' },
      State: { Name: 'running', Code: 16 },
      Tags: [{ Key: 'Name', Value: 'node-c' }],
    });
    expect(inst?.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual(['eni-0ccc']);
    expect((await failure(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0404'] })))).name).toBe(
      'InvalidInstanceID.NotFound',
    );
  });
});
