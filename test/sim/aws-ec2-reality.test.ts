import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DisassociateAddressCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { Ec2Emulator, type Ec2Seed } from '../../sim/aws-ec2';
import { ManualClock } from '../helpers/manual-clock';

/**
 * What #14 "provider reality" added to the EC2 emulator: per-type interface limits, the public
 * address an Elastic IP takes away and EC2 replaces, source/destination checking on routes, and
 * the real profile's read lag on a fake clock.
 */
let emu: Ec2Emulator | undefined;
let ec2: EC2Client | undefined;
afterEach(async () => {
  ec2?.destroy();
  await emu?.close();
  expect(emu?.violationLog ?? []).toEqual([]);
  emu = undefined;
});

function seed(over: Partial<NonNullable<Ec2Seed['instances']>[number]> = {}): Ec2Seed {
  return {
    vpcs: [{ id: 'vpc-1', cidr: '10.0.0.0/16' }],
    subnets: [{ id: 'subnet-a', vpcId: 'vpc-1', cidr: '10.0.1.0/24', az: 'eu-central-1a' }],
    instances: [
      { id: 'i-0a', subnetId: 'subnet-a', privateIp: '10.0.1.10', publicIp: '203.0.113.10', ...over },
      { id: 'i-0b', subnetId: 'subnet-a', privateIp: '10.0.1.11', publicIp: '203.0.113.11' },
    ],
    elasticIps: [{ allocationId: 'eipalloc-1', publicIp: '198.51.100.1' }],
    routeTables: [
      {
        id: 'rtb-1',
        vpcId: 'vpc-1',
        main: true,
        routes: [{ destination: '192.0.2.10/32', networkInterfaceId: 'eni-0a' }],
      },
    ],
  };
}

async function start(options: ConstructorParameters<typeof Ec2Emulator>[0]): Promise<EC2Client> {
  emu = new Ec2Emulator(options);
  await emu.start(0);
  ec2 = new EC2Client({
    endpoint: emu.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  return ec2;
}

const publicIpOf = async (c: EC2Client, id: string) =>
  (await c.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]
    ?.PublicIpAddress;

describe('EC2 emulator reality', () => {
  it("enforces the instance type's private IPv4 limit per interface (t3.micro: 2, primary included)", async () => {
    const c = await start({ seed: seed({ instanceType: 't3.micro' }) });
    await c.send(
      new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0a', PrivateIpAddresses: ['10.0.1.100'] }),
    );
    const refused = await c
      .send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0a', PrivateIpAddresses: ['10.0.1.101'] }))
      .catch((e: Error) => e);
    expect((refused as Error).name).toBe('PrivateIpAddressLimitExceeded');
    expect(() => new Ec2Emulator({ seed: seed({ instanceType: 't3.micro', maxIpv4: 3 }) })).toThrow(
      /above its instance type's limit of 2/,
    );
    expect(() => new Ec2Emulator({ seed: seed({ instanceType: 'z9.huge' }) })).toThrow(/z9\.huge/);
  });

  it('an Elastic IP on the primary address releases the public address; when it leaves, EC2 gives a new one, never the old', async () => {
    const c = await start({ seed: seed() });
    expect(await publicIpOf(c, 'i-0a')).toBe('203.0.113.10');
    await c.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-1',
        NetworkInterfaceId: 'eni-0a',
        AllowReassociation: true,
      }),
    );
    expect(await publicIpOf(c, 'i-0a')).toBe('198.51.100.1');
    const eni = (await c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0a'] })))
      .NetworkInterfaces![0]!;
    expect(eni.Association?.PublicIp).toBe('198.51.100.1');
    // The EIP moves to b: a gets a fresh address, b loses its own.
    await c.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-1',
        NetworkInterfaceId: 'eni-0b',
        AllowReassociation: true,
      }),
    );
    const renewed = await publicIpOf(c, 'i-0a');
    expect(renewed).toMatch(/^203\.0\.113\./);
    expect(renewed).not.toBe('203.0.113.10');
    expect(await publicIpOf(c, 'i-0b')).toBe('198.51.100.1');
    const assoc = (await c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0a'] })))
      .NetworkInterfaces![0]!.Association;
    expect(assoc).toMatchObject({ PublicIp: renewed, IpOwnerId: 'amazon' });
    await c.send(new DisassociateAddressCommand({ PublicIp: '198.51.100.1' }));
    const b = await publicIpOf(c, 'i-0b');
    expect([b === '203.0.113.11', b === renewed, b === undefined]).toEqual([false, false, false]);
  });

  it('an interface launched without a public address has none after an Elastic IP leaves it', async () => {
    const c = await start({ seed: seed({ publicIp: undefined }) });
    await c.send(
      new AssociateAddressCommand({
        AllocationId: 'eipalloc-1',
        NetworkInterfaceId: 'eni-0a',
        AllowReassociation: true,
      }),
    );
    await c.send(new DisassociateAddressCommand({ PublicIp: '198.51.100.1' }));
    expect(await publicIpOf(c, 'i-0a')).toBeUndefined();
  });

  it('a route to an interface with source/destination check on (the default) is accepted but delivers nothing', async () => {
    await start({ seed: seed() });
    expect(emu!.state.enis['eni-0a']!.sourceDestCheck).toBe(true);
    expect(emu!.routeDelivers('rtb-1', '192.0.2.10/32')).toEqual({
      delivers: false,
      why: 'eni-0a has source/destination check on: EC2 drops the routed packets',
    });
    const off = new Ec2Emulator({ seed: seed({ sourceDestCheck: false }) });
    expect(off.routeDelivers('rtb-1', '192.0.2.10/32')).toEqual({ delivers: true, why: 'delivered to eni-0a' });
  });

  it('under the real profile, reads lag a write by 3 s on the shared clock, and calls take 400 ms of it', async () => {
    const clock = new ManualClock();
    const c = await start({ seed: seed(), profile: 'real', clock });
    expect(emu!.settings).toMatchObject({ latencyMs: 400, consistencyLagMs: 3000, throttling: true });
    // The request reaches the emulator in wall time; its latency passes on the fake clock in 100 ms steps.
    const settle = async <T>(p: Promise<T>): Promise<{ value: T; tookMs: number }> => {
      const from = clock.now();
      let done = false;
      void p.then(
        () => (done = true),
        () => (done = true),
      );
      for (let i = 0; i < 400 && !done; i++) {
        await new Promise((r) => setTimeout(r, 5));
        if (!done) await clock.advance(100);
      }
      return { value: await p, tookMs: clock.now() - from };
    };
    const assigned = await settle(
      c.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0a', PrivateIpAddresses: ['10.0.1.100'] })),
    );
    expect(assigned.tookMs).toBeGreaterThanOrEqual(400);
    const writtenAt = clock.now() - 1;
    const holders = async () =>
      (
        await settle(
          c.send(
            new DescribeNetworkInterfacesCommand({
              Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.100'] }],
            }),
          ),
        )
      ).value.NetworkInterfaces!.map((e) => e.NetworkInterfaceId);
    expect(await holders()).toEqual([]);
    while (clock.now() < writtenAt + 3000) await clock.advance(500);
    expect(await holders()).toEqual(['eni-0a']);
  });
});
