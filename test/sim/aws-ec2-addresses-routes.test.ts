import {
  AssociateAddressCommand,
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeAddressesCommand,
  DisassociateAddressCommand,
  EC2Client,
  ReplaceRouteCommand,
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
  expect(emu.violationLog).toEqual([]);
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

describe('AssociateAddress / DisassociateAddress', () => {
  it('associates a free Elastic IP with an interface (primary address by default) and answers the association id', async () => {
    const out = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-0bbb',
        NetworkInterfaceId: 'eni-0ccc',
        AllowReassociation: false,
      }),
    );
    expect(out.AssociationId).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    expect(emu.elasticIp('eipalloc-0bbb')?.association).toMatchObject({
      associationId: out.AssociationId,
      eniId: 'eni-0ccc',
      privateIp: '10.0.2.10',
      instanceId: 'i-0ccc',
    });
  });

  it('associates through an instance id with one interface', async () => {
    await ec2.send(
      new AssociateAddressCommand({ AllocationId: 'eipalloc-0bbb', InstanceId: 'i-0bbb', AllowReassociation: true }),
    );
    expect(emu.elasticIp('198.51.100.11')?.association?.eniId).toBe('eni-0bbb');
  });

  it('answers Resource.AlreadyAssociated when moving an associated address with AllowReassociation=false', async () => {
    const err = await failure(
      ec2.send(
        new AssociateAddressCommand({
          AllocationId: 'eipalloc-0aaa',
          NetworkInterfaceId: 'eni-0bbb',
          AllowReassociation: false,
        }),
      ),
    );
    expect(err.name).toBe('Resource.AlreadyAssociated');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.elasticIp('eipalloc-0aaa')?.association?.eniId).toBe('eni-0aaa');
  });

  it('moves an associated address with AllowReassociation=true, with a new association id', async () => {
    const before = emu.elasticIp('eipalloc-0aaa')!.association!.associationId;
    const out = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-0aaa',
        NetworkInterfaceId: 'eni-0bbb',
        AllowReassociation: true,
      }),
    );
    expect(out.AssociationId).not.toBe(before);
    expect(emu.elasticIp('eipalloc-0aaa')?.association).toMatchObject({ eniId: 'eni-0bbb', privateIp: '10.0.1.11' });
    const old = await failure(ec2.send(new DisassociateAddressCommand({ AssociationId: before })));
    expect(old.name).toBe('InvalidAssociationID.NotFound');
  });

  it('reassociates when AllowReassociation is omitted (real VPC behaviour), unless strictReassociation is set', async () => {
    await ec2.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-0aaa', NetworkInterfaceId: 'eni-0bbb' }));
    expect(emu.elasticIp('eipalloc-0aaa')?.association?.eniId).toBe('eni-0bbb');
    const res = await fetch(`${emu.url}/__admin/settings`, {
      method: 'POST',
      body: JSON.stringify({ strictReassociation: true }),
    });
    expect(await res.json()).toMatchObject({ strictReassociation: true, throttling: true });
    const err = await failure(
      ec2.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-0aaa', NetworkInterfaceId: 'eni-0ccc' })),
    );
    expect(err.name).toBe('Resource.AlreadyAssociated');
  });

  it('repeating the current association succeeds and keeps the association id', async () => {
    const current = emu.elasticIp('eipalloc-0aaa')!.association!.associationId;
    const out = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-0aaa',
        NetworkInterfaceId: 'eni-0aaa',
        PrivateIpAddress: '10.0.1.100',
        AllowReassociation: false,
      }),
    );
    expect(out.AssociationId).toBe(current);
  });

  it('pushes another Elastic IP off the private address it lands on', async () => {
    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-0bbb',
        NetworkInterfaceId: 'eni-0aaa',
        PrivateIpAddress: '10.0.1.100',
        AllowReassociation: false,
      }),
    );
    expect(emu.elasticIp('eipalloc-0bbb')?.association?.privateIp).toBe('10.0.1.100');
    expect(emu.elasticIp('eipalloc-0aaa')?.association).toBeUndefined();
  });

  it('refuses a private address the interface does not hold', async () => {
    const err = await failure(
      ec2.send(
        new AssociateAddressCommand({
          AllocationId: 'eipalloc-0bbb',
          NetworkInterfaceId: 'eni-0bbb',
          PrivateIpAddress: '10.0.1.100',
          AllowReassociation: true,
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterValue');
  });

  it('answers InvalidAllocationID.NotFound, InvalidNetworkInterfaceID.NotFound and InvalidParameterCombination', async () => {
    expect(
      (
        await failure(
          ec2.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-0404', NetworkInterfaceId: 'eni-0bbb' })),
        )
      ).name,
    ).toBe('InvalidAllocationID.NotFound');
    expect(
      (
        await failure(
          ec2.send(new AssociateAddressCommand({ AllocationId: 'eipalloc-0bbb', NetworkInterfaceId: 'eni-0404' })),
        )
      ).name,
    ).toBe('InvalidNetworkInterfaceID.NotFound');
    expect(
      (
        await failure(
          ec2.send(
            new AssociateAddressCommand({
              AllocationId: 'eipalloc-0bbb',
              NetworkInterfaceId: 'eni-0bbb',
              InstanceId: 'i-0bbb',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterCombination');
  });

  it('disassociates by association id; the address then shows no association', async () => {
    const associationId = emu.elasticIp('eipalloc-0aaa')!.association!.associationId;
    const out = await ec2.send(new DisassociateAddressCommand({ AssociationId: associationId }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    const eip = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0aaa'] }))).Addresses?.[0];
    expect(eip?.AssociationId).toBeUndefined();
    expect(eip?.NetworkInterfaceId).toBeUndefined();
  });
});

describe('CreateRoute / ReplaceRoute / DeleteRoute', () => {
  it('creates an overlay route to an interface and refuses a second one for the same destination', async () => {
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: 'rtb-0main',
        DestinationCidrBlock: '192.0.2.20/32',
        NetworkInterfaceId: 'eni-0ccc',
      }),
    );
    expect(emu.route('rtb-0main', '192.0.2.20/32')).toMatchObject({
      networkInterfaceId: 'eni-0ccc',
      instanceId: 'i-0ccc',
    });
    const err = await failure(
      ec2.send(
        new CreateRouteCommand({
          RouteTableId: 'rtb-0main',
          DestinationCidrBlock: '192.0.2.20/32',
          NetworkInterfaceId: 'eni-0bbb',
        }),
      ),
    );
    expect(err.name).toBe('RouteAlreadyExists');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.route('rtb-0main', '192.0.2.20/32')?.networkInterfaceId).toBe('eni-0ccc');
  });

  it('replaces the target of an existing route (to an instance, stored with its interface)', async () => {
    await ec2.send(
      new ReplaceRouteCommand({
        RouteTableId: 'rtb-0main',
        DestinationCidrBlock: '192.0.2.10/32',
        InstanceId: 'i-0ccc',
      }),
    );
    expect(emu.route('rtb-0main', '192.0.2.10/32')).toMatchObject({
      networkInterfaceId: 'eni-0ccc',
      instanceId: 'i-0ccc',
    });
  });

  it('answers InvalidParameterValue for replacing a missing route (as EC2 does, moto PR #6425) and InvalidRoute.NotFound for deleting one', async () => {
    const replace = await failure(
      ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: 'rtb-0main',
          DestinationCidrBlock: '192.0.2.99/32',
          NetworkInterfaceId: 'eni-0bbb',
        }),
      ),
    );
    expect(replace.name).toBe('InvalidParameterValue');
    expect(replace.message).toBe(
      "There is no route defined for '192.0.2.99/32' in the route table. Use CreateRoute instead.",
    );
    expect(
      (
        await failure(
          ec2.send(new DeleteRouteCommand({ RouteTableId: 'rtb-0main', DestinationCidrBlock: '192.0.2.99/32' })),
        )
      ).name,
    ).toBe('InvalidRoute.NotFound');
  });

  it('answers InvalidRouteTableID.NotFound, a bad CIDR, and refuses to touch the local route', async () => {
    expect(
      (
        await failure(
          ec2.send(
            new ReplaceRouteCommand({
              RouteTableId: 'rtb-0404',
              DestinationCidrBlock: '192.0.2.10/32',
              NetworkInterfaceId: 'eni-0bbb',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidRouteTableID.NotFound');
    expect(
      (
        await failure(
          ec2.send(
            new CreateRouteCommand({
              RouteTableId: 'rtb-0main',
              DestinationCidrBlock: '192.0.2.1/24',
              NetworkInterfaceId: 'eni-0bbb',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await failure(
          ec2.send(
            new ReplaceRouteCommand({
              RouteTableId: 'rtb-0main',
              DestinationCidrBlock: '10.0.0.0/16',
              NetworkInterfaceId: 'eni-0bbb',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });

  it('deletes a route', async () => {
    await ec2.send(new DeleteRouteCommand({ RouteTableId: 'rtb-0main', DestinationCidrBlock: '192.0.2.10/32' }));
    expect(emu.route('rtb-0main', '192.0.2.10/32')).toBeUndefined();
  });
});
