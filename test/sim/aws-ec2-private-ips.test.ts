import {
  AssignIpv6AddressesCommand,
  AssignPrivateIpAddressesCommand,
  DescribeAddressesCommand,
  EC2Client,
  UnassignIpv6AddressesCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Emulator, type Ec2Seed } from '../../sim/aws-ec2';
import { exampleEc2Seed } from '../../sim/aws-ec2/example-seed';

let emu: Ec2Emulator;
let ec2: EC2Client;

async function startWith(seed: Ec2Seed): Promise<void> {
  emu = new Ec2Emulator({ seed });
  await emu.start(0);
  ec2 = new EC2Client({
    endpoint: emu.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
}

beforeEach(() => startWith(exampleEc2Seed()));

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

describe('AssignPrivateIpAddresses', () => {
  it('assigns a free address and answers it in assignedPrivateIpAddressesSet', async () => {
    const out = await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0bbb', PrivateIpAddresses: ['10.0.1.50'] }),
    );
    expect(out.NetworkInterfaceId).toBe('eni-0bbb');
    expect(out.AssignedPrivateIpAddresses).toEqual([{ PrivateIpAddress: '10.0.1.50' }]);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(emu.holderOfPrivateIp('10.0.1.50')).toBe('eni-0bbb');
  });

  it('refuses an address held by another interface without AllowReassignment, and changes nothing', async () => {
    const err = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0bbb', PrivateIpAddresses: ['10.0.1.100'] }),
      ),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toContain('already assigned');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.holderOfPrivateIp('10.0.1.100')).toBe('eni-0aaa');
  });

  it('moves the address with AllowReassignment, and the Elastic IP on it moves along', async () => {
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: 'eni-0bbb',
        PrivateIpAddresses: ['10.0.1.100'],
        AllowReassignment: true,
      }),
    );
    expect(emu.holderOfPrivateIp('10.0.1.100')).toBe('eni-0bbb');
    expect(emu.state.enis['eni-0aaa']!.secondaryIps).toEqual([]);
    const eip = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0aaa'] }))).Addresses?.[0];
    expect(eip).toMatchObject({ NetworkInterfaceId: 'eni-0bbb', PrivateIpAddress: '10.0.1.100', InstanceId: 'i-0bbb' });
  });

  it('is a no-op success for an address the interface already holds', async () => {
    const out = await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0aaa', PrivateIpAddresses: ['10.0.1.100'] }),
    );
    expect(out.AssignedPrivateIpAddresses).toEqual([]);
    expect(emu.state.enis['eni-0aaa']!.secondaryIps).toEqual(['10.0.1.100']);
  });

  it('never moves a primary address, even with AllowReassignment', async () => {
    const err = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: 'eni-0bbb',
          PrivateIpAddresses: ['10.0.1.10'],
          AllowReassignment: true,
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterValue');
    expect(emu.holderOfPrivateIp('10.0.1.10')).toBe('eni-0aaa');
  });

  it('refuses addresses outside the subnet and AWS-reserved addresses', async () => {
    const outside = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0bbb', PrivateIpAddresses: ['10.0.2.50'] }),
      ),
    );
    expect(outside.name).toBe('InvalidParameterValue');
    expect(outside.message).toContain('subnet');
    const reserved = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0bbb', PrivateIpAddresses: ['10.0.1.2'] }),
      ),
    );
    expect(reserved.name).toBe('InvalidParameterValue');
    expect(reserved.message).toContain('reserved');
  });

  it('answers PrivateIpAddressLimitExceeded beyond the per-interface limit, applying none of the batch', async () => {
    const seed = exampleEc2Seed();
    seed.instances![1]!.maxIpv4 = 3;
    await emu.close();
    ec2.destroy();
    await startWith(seed);
    const err = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({
          NetworkInterfaceId: 'eni-0bbb',
          PrivateIpAddresses: ['10.0.1.50', '10.0.1.51', '10.0.1.52'],
        }),
      ),
    );
    expect(err.name).toBe('PrivateIpAddressLimitExceeded');
    expect(emu.state.enis['eni-0bbb']!.secondaryIps).toEqual([]);
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: 'eni-0bbb',
        PrivateIpAddresses: ['10.0.1.50', '10.0.1.51'],
      }),
    );
    expect(emu.state.enis['eni-0bbb']!.secondaryIps).toEqual(['10.0.1.50', '10.0.1.51']);
  });

  it('picks free addresses for SecondaryPrivateIpAddressCount', async () => {
    const out = await ec2.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0ccc', SecondaryPrivateIpAddressCount: 2 }),
    );
    expect(out.AssignedPrivateIpAddresses?.map((a) => a.PrivateIpAddress)).toEqual(['10.0.2.4', '10.0.2.5']);
  });

  it('answers InvalidNetworkInterfaceID.NotFound and MissingParameter', async () => {
    const unknown = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0404', PrivateIpAddresses: ['10.0.1.50'] }),
      ),
    );
    expect(unknown.name).toBe('InvalidNetworkInterfaceID.NotFound');
    const none = await failure(ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0bbb' })));
    expect(none.name).toBe('MissingParameter');
    const noEni = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: undefined, PrivateIpAddresses: ['10.0.1.50'] }),
      ),
    );
    expect(noEni.name).toBe('MissingParameter');
  });
});

describe('UnassignPrivateIpAddresses', () => {
  it('removes a secondary address and disassociates the Elastic IP on it', async () => {
    await ec2.send(
      new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0aaa', PrivateIpAddresses: ['10.0.1.100'] }),
    );
    expect(emu.holderOfPrivateIp('10.0.1.100')).toBeUndefined();
    expect(emu.elasticIp('eipalloc-0aaa')?.association).toBeUndefined();
  });

  it('refuses an address the interface does not hold, and the primary address', async () => {
    expect(
      (
        await failure(
          ec2.send(
            new UnassignPrivateIpAddressesCommand({
              NetworkInterfaceId: 'eni-0bbb',
              PrivateIpAddresses: ['10.0.1.100'],
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await failure(
          ec2.send(
            new UnassignPrivateIpAddressesCommand({
              NetworkInterfaceId: 'eni-0aaa',
              PrivateIpAddresses: ['10.0.1.10'],
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(emu.holderOfPrivateIp('10.0.1.100')).toBe('eni-0aaa');
  });
});

describe('AssignIpv6Addresses / UnassignIpv6Addresses', () => {
  it('assigns an address in the subnet block, recognising any spelling of it', async () => {
    const out = await ec2.send(
      new AssignIpv6AddressesCommand({
        NetworkInterfaceId: 'eni-0bbb',
        Ipv6Addresses: ['2001:0db8:0000:0001:0000:0000:0000:0200'],
      }),
    );
    expect(out.AssignedIpv6Addresses).toEqual(['2001:db8:0:1::200']);
    expect(emu.holderOfIpv6('2001:db8:0:1::200')).toBe('eni-0bbb');
  });

  it('never reassigns: an address held by another interface fails, even for the same subnet', async () => {
    const err = await failure(
      ec2.send(
        new AssignIpv6AddressesCommand({ NetworkInterfaceId: 'eni-0bbb', Ipv6Addresses: ['2001:db8:0:1::100'] }),
      ),
    );
    expect(err.name).toBe('InvalidIPAddress.InUse');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.holderOfIpv6('2001:db8:0:1::100')).toBe('eni-0aaa');
  });

  it('moves in two steps: unassign from the old holder, then assign to the new one', async () => {
    const un = await ec2.send(
      new UnassignIpv6AddressesCommand({ NetworkInterfaceId: 'eni-0aaa', Ipv6Addresses: ['2001:db8:0:1::100'] }),
    );
    expect(un.UnassignedIpv6Addresses).toEqual(['2001:db8:0:1::100']);
    await ec2.send(
      new AssignIpv6AddressesCommand({ NetworkInterfaceId: 'eni-0bbb', Ipv6Addresses: ['2001:db8:0:1::100'] }),
    );
    expect(emu.holderOfIpv6('2001:db8:0:1::100')).toBe('eni-0bbb');
  });

  it('refuses an address outside the subnet block, and unassigning an address not held', async () => {
    expect(
      (
        await failure(
          ec2.send(
            new AssignIpv6AddressesCommand({ NetworkInterfaceId: 'eni-0bbb', Ipv6Addresses: ['2001:db8:0:2::5'] }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
    expect(
      (
        await failure(
          ec2.send(
            new UnassignIpv6AddressesCommand({ NetworkInterfaceId: 'eni-0bbb', Ipv6Addresses: ['2001:db8:0:1::100'] }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterValue');
  });

  it('picks free addresses for Ipv6AddressCount', async () => {
    const out = await ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: 'eni-0ccc', Ipv6AddressCount: 1 }));
    expect(out.AssignedIpv6Addresses).toEqual(['2001:db8:0:2::10']);
  });
});
