import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { Ec2Emulator, SeedError, type Ec2EmulatorOptions } from '../../sim/aws-ec2';
import { exampleEc2Seed } from '../../sim/aws-ec2/example-seed';
import { findViolations } from '../../sim/aws-ec2/state';

let emu: Ec2Emulator;
let ec2: EC2Client;
let clock = 1_000_000;

async function start(options: Partial<Ec2EmulatorOptions> = {}): Promise<void> {
  emu = new Ec2Emulator({ seed: exampleEc2Seed(), ...options });
  await emu.start(0);
  ec2 = new EC2Client({
    endpoint: emu.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
}

afterEach(async () => {
  ec2.destroy();
  await emu.close();
});

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; $fault?: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

async function admin(
  path: string,
  body?: unknown,
  method = 'POST',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const moveEipToC = () =>
  new AssociateAddressCommand({
    AllocationId: 'eipalloc-0bbb',
    NetworkInterfaceId: 'eni-0ccc',
    AllowReassociation: true,
  });

describe('throttling (token bucket per action)', () => {
  it('answers RequestLimitExceeded (503) past 50 mutating calls in a burst, per action, refilling 5/s', async () => {
    await start({ now: () => clock });
    for (let i = 0; i < 50; i++) await ec2.send(moveEipToC());
    const err = await failure(ec2.send(moveEipToC()));
    expect(err.name).toBe('RequestLimitExceeded');
    expect(err.$metadata.httpStatusCode).toBe(503);
    // Another action has its own bucket.
    await ec2.send(new DescribeAddressesCommand({}));
    clock += 1000;
    for (let i = 0; i < 5; i++) await ec2.send(moveEipToC());
    expect((await failure(ec2.send(moveEipToC()))).name).toBe('RequestLimitExceeded');
  });

  it('gives unfiltered DescribeNetworkInterfaces the smaller bucket (50) and filtered calls the larger one', async () => {
    await start({ now: () => clock });
    for (let i = 0; i < 50; i++) await ec2.send(new DescribeNetworkInterfacesCommand({}));
    expect((await failure(ec2.send(new DescribeNetworkInterfacesCommand({})))).name).toBe('RequestLimitExceeded');
    const filtered = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: ['subnet-0a'] }] }),
    );
    expect(filtered.NetworkInterfaces).toHaveLength(2);
  });

  it('can be switched off through the settings', async () => {
    await start({ now: () => clock, settings: { throttling: false } });
    for (let i = 0; i < 60; i++) await ec2.send(moveEipToC());
    expect(emu.calls.count({ action: 'AssociateAddress', ok: true })).toBe(60);
  });
});

describe('eventual consistency', () => {
  it('Describe* right after a write shows the old state until consistencyLagMs has passed', async () => {
    await start({ now: () => clock, settings: { consistencyLagMs: 2000 } });
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: 'eni-0bbb',
        PrivateIpAddresses: ['10.0.1.100'],
        AllowReassignment: true,
      }),
    );
    expect(emu.holderOfPrivateIp('10.0.1.100')).toBe('eni-0bbb');
    const q = () =>
      ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.100'] }],
        }),
      );
    expect((await q()).NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0aaa']);
    const eip = await ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0aaa'] }));
    expect(eip.Addresses?.[0]?.NetworkInterfaceId).toBe('eni-0aaa');
    clock += 1999;
    expect((await q()).NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0aaa']);
    clock += 1;
    expect((await q()).NetworkInterfaces?.map((e) => e.NetworkInterfaceId)).toEqual(['eni-0bbb']);
  });

  it('mutations act on the true state even while reads lag', async () => {
    await start({ now: () => clock, settings: { consistencyLagMs: 60_000 } });
    await ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: 'eni-0bbb',
        PrivateIpAddresses: ['10.0.1.100'],
        AllowReassignment: true,
      }),
    );
    const err = await failure(
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0aaa', PrivateIpAddresses: ['10.0.1.100'] }),
      ),
    );
    expect(err.message).toContain('eni-0bbb');
  });
});

describe('fault injection', () => {
  it('fails the next call of one action with a 5xx, leaving other actions and later calls alone', async () => {
    await start();
    expect((await admin('/__admin/faults', { kind: 'error', count: 1, action: 'AssociateAddress' })).status).toBe(200);
    await ec2.send(new DescribeAddressesCommand({}));
    const err = await failure(ec2.send(moveEipToC()));
    expect(err.name).toBe('InternalError');
    expect(err.$metadata.httpStatusCode).toBe(500);
    expect(err.$fault).toBe('server');
    expect(emu.elasticIp('eipalloc-0bbb')?.association).toBeUndefined();
    await ec2.send(moveEipToC());
    expect(emu.elasticIp('eipalloc-0bbb')?.association?.eniId).toBe('eni-0ccc');
  });

  it('answers Unavailable for an injected 503', async () => {
    await start();
    await admin('/__admin/faults', { kind: 'error', count: 1, status: 503 });
    const err = await failure(ec2.send(new DescribeAddressesCommand({})));
    expect(err.name).toBe('Unavailable');
    expect(err.$metadata.httpStatusCode).toBe(503);
  });

  it('injects throttling as RequestLimitExceeded', async () => {
    await start();
    await admin('/__admin/faults', { kind: 'throttle', count: 2 });
    expect((await failure(ec2.send(new DescribeAddressesCommand({})))).name).toBe('RequestLimitExceeded');
    expect((await failure(ec2.send(moveEipToC()))).$metadata.httpStatusCode).toBe(503);
    await ec2.send(moveEipToC());
  });

  it('hangs a call and then drops the connection; the mutation is not applied', async () => {
    await start();
    await admin('/__admin/faults', { kind: 'hang', count: 1, action: 'AssociateAddress', ms: 100 });
    await expect(ec2.send(moveEipToC())).rejects.toThrow();
    expect(emu.elasticIp('eipalloc-0bbb')?.association).toBeUndefined();
    expect(emu.calls.calls.at(-1)).toMatchObject({ action: 'AssociateAddress', error: 'hang', status: 504 });
  });
});

describe('deny list, DryRun, unknown actions', () => {
  it('answers UnauthorizedOperation (403) for a denied action or resource until cleared', async () => {
    await start();
    await admin('/__admin/deny', { action: 'AssociateAddress' });
    const err = await failure(ec2.send(moveEipToC()));
    expect(err.name).toBe('UnauthorizedOperation');
    expect(err.$metadata.httpStatusCode).toBe(403);
    await ec2.send(new DescribeAddressesCommand({}));
    await admin('/__admin/deny', undefined, 'DELETE');
    await admin('/__admin/deny', { resource: 'eni-0bbb' });
    const assignB = () =>
      ec2.send(
        new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: 'eni-0bbb', PrivateIpAddresses: ['10.0.1.60'] }),
      );
    expect((await failure(assignB())).name).toBe('UnauthorizedOperation');
    await ec2.send(moveEipToC());
    await admin('/__admin/deny', undefined, 'DELETE');
    await assignB();
  });

  it('answers DryRunOperation (412) for an allowed DryRun call without changing anything', async () => {
    await start();
    const err = await failure(
      ec2.send(
        new AssociateAddressCommand({ AllocationId: 'eipalloc-0bbb', NetworkInterfaceId: 'eni-0ccc', DryRun: true }),
      ),
    );
    expect(err.name).toBe('DryRunOperation');
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect(emu.elasticIp('eipalloc-0bbb')?.association).toBeUndefined();
  });

  it('answers InvalidAction for actions it does not implement, in the EC2 error envelope', async () => {
    await start();
    const err = await failure(ec2.send(new RunInstancesCommand({ ImageId: 'ami-1', MinCount: 1, MaxCount: 1 })));
    expect(err.name).toBe('InvalidAction');
    expect(err.$metadata.httpStatusCode).toBe(400);
    const raw = await fetch(emu.url, { method: 'POST', body: 'Action=RunInstances&Version=2016-11-15' });
    expect(await raw.text()).toMatch(
      /<Response><Errors><Error><Code>InvalidAction<\/Code><Message>.*<\/Message><\/Error><\/Errors><RequestID>[-0-9a-f]+<\/RequestID><\/Response>/,
    );
  });
});

describe('invariant', () => {
  it('stays clean when one address is assigned to two interfaces concurrently', async () => {
    await start({ settings: { latencyMs: 5, throttling: false } });
    for (let round = 0; round < 10; round++) {
      const ip = `10.0.1.${150 + round}`;
      const [a, b] = await Promise.allSettled([
        ec2.send(
          new AssignPrivateIpAddressesCommand({
            NetworkInterfaceId: 'eni-0aaa',
            PrivateIpAddresses: [ip],
            AllowReassignment: round % 2 === 0,
          }),
        ),
        ec2.send(
          new AssignPrivateIpAddressesCommand({
            NetworkInterfaceId: 'eni-0bbb',
            PrivateIpAddresses: [ip],
            AllowReassignment: round % 2 === 0,
          }),
        ),
      ]);
      const holders = Object.values(emu.state.enis).filter((e) => e.secondaryIps.includes(ip));
      expect(holders).toHaveLength(1);
      if (round % 2 === 1) expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    }
    expect((await admin('/__admin/invariants', undefined, 'GET')).json).toEqual({ ok: true, violations: [] });
  });

  it('detects two holders, dangling associations and duplicate routes in a state', () => {
    const emuState = new Ec2Emulator({ seed: exampleEc2Seed() }).state;
    const broken = structuredClone(emuState);
    broken.enis['eni-0bbb']!.secondaryIps.push('10.0.1.100');
    broken.eips['eipalloc-0bbb']!.association = {
      associationId: 'eipassoc-x',
      eniId: 'eni-0ccc',
      privateIp: '10.0.2.99',
    };
    broken.routeTables['rtb-0main']!.routes.push({
      destination: '192.0.2.10/32',
      networkInterfaceId: 'eni-0bbb',
      origin: 'CreateRoute',
    });
    const v = findViolations(broken);
    expect(v).toHaveLength(3);
    expect(v.join('\n')).toMatch(/10\.0\.1\.100 held by eni-0aaa and eni-0bbb/);
    expect(findViolations(emuState)).toEqual([]);
  });

  it('refuses a seed that breaks the invariant or names unknown things', () => {
    const seed = exampleEc2Seed();
    seed.instances![1]!.secondaryIps = ['10.0.1.100'];
    expect(() => new Ec2Emulator({ seed })).toThrow(SeedError);
    const bad = exampleEc2Seed();
    bad.elasticIps![1]!.networkInterfaceId = 'eni-0404';
    expect(() => new Ec2Emulator({ seed: bad })).toThrow(/unknown interface "eni-0404"/);
  });
});

describe('admin "by hand" changes', () => {
  it('moves an Elastic IP like a person in the console, outside throttling and the call log', async () => {
    await start();
    const moved = await admin('/__admin/associate', { allocationId: 'eipalloc-0aaa', networkInterfaceId: 'eni-0ccc' });
    expect(moved).toEqual({ status: 200, json: { ok: true } });
    const eip = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0aaa'] }))).Addresses?.[0];
    expect(eip).toMatchObject({ NetworkInterfaceId: 'eni-0ccc', PrivateIpAddress: '10.0.2.10' });
    expect(emu.calls.count({ action: 'AssociateAddress' })).toBe(0);
    expect((await admin('/__admin/disassociate', { allocationId: 'eipalloc-0aaa' })).status).toBe(200);
    expect(emu.elasticIp('eipalloc-0aaa')?.association).toBeUndefined();
  });

  it('moves a secondary address and a route by hand, with API validation', async () => {
    await start();
    expect(
      (await admin('/__admin/assign-private-ip', { networkInterfaceId: 'eni-0bbb', privateIpAddress: '10.0.1.100' }))
        .status,
    ).toBe(200);
    expect(emu.holderOfPrivateIp('10.0.1.100')).toBe('eni-0bbb');
    expect(
      (
        await admin('/__admin/replace-route', {
          routeTableId: 'rtb-0main',
          destinationCidrBlock: '192.0.2.10/32',
          networkInterfaceId: 'eni-0bbb',
        })
      ).status,
    ).toBe(200);
    expect(emu.route('rtb-0main', '192.0.2.10/32')?.networkInterfaceId).toBe('eni-0bbb');
    const bad = await admin('/__admin/assign-private-ip', {
      networkInterfaceId: 'eni-0ccc',
      privateIpAddress: '10.0.1.100',
    });
    expect(bad).toMatchObject({ status: 400, json: { error: 'InvalidParameterValue' } });
    expect(emu.violationLog).toEqual([]);
  });
});
