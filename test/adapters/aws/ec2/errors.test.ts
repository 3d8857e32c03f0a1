import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyEc2Error, Ec2Provider } from '../../../../adapters/aws/ec2';
import type { FailureReason } from '../../../../core/reasons';
import { ec2Config, IDS } from './fixtures';

function sdkError(name: string, status: number, message = `${name} happened`): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

describe('EC2 error codes onto failure reasons', () => {
  const table: Array<[string, number, FailureReason]> = [
    ['RequestLimitExceeded', 503, 'throttled'],
    ['Throttling', 400, 'throttled'],
    ['InternalError', 500, 'transient'],
    ['Unavailable', 503, 'transient'],
    ['ServiceUnavailable', 503, 'transient'],
    ['SomethingNew', 502, 'transient'],
    ['InvalidNetworkInterfaceID.NotFound', 400, 'not-found'],
    ['InvalidAllocationID.NotFound', 400, 'not-found'],
    ['InvalidRouteTableID.NotFound', 400, 'not-found'],
    ['InvalidRoute.NotFound', 400, 'not-found'],
    ['UnauthorizedOperation', 403, 'forbidden'],
    ['AuthFailure', 401, 'forbidden'],
    ['Resource.AlreadyAssociated', 400, 'conflict'],
    ['IncorrectState', 400, 'conflict'],
    ['InvalidIPAddress.InUse', 400, 'conflict'],
    ['InvalidParameterValue', 400, 'invalid'],
    ['PrivateIpAddressLimitExceeded', 400, 'invalid'],
    ['MissingParameter', 400, 'invalid'],
    ['InvalidNetworkInterfaceID.Malformed', 400, 'invalid'],
    ['SomethingElseEntirely', 400, 'invalid'],
  ];
  it.each(table)('%s (HTTP %i) → %s', (code, status, reason) => {
    const e = classifyEc2Error(sdkError(code, status), 'AssignPrivateIpAddresses');
    expect(e.reason).toBe(reason);
    expect(e.details.code).toBe(code);
    expect(e.message).toContain(`EC2 AssignPrivateIpAddresses failed: ${code}`);
  });

  it('treats dropped connections, timeouts and aborts as transient', () => {
    expect(classifyEc2Error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'X')).toMatchObject({
      reason: 'transient',
      details: { code: 'ECONNRESET' },
    });
    expect(
      classifyEc2Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'X').reason,
    ).toBe('transient');
    expect(
      classifyEc2Error(Object.assign(new Error('exceeded 300 ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' }), 'X'),
    ).toMatchObject({ reason: 'transient', details: { code: 'timeout' } });
    expect(classifyEc2Error(Object.assign(new Error('Request aborted'), { name: 'AbortError' }), 'X')).toMatchObject({
      reason: 'transient',
      details: { code: 'aborted' },
    });
  });

  it('treats missing credentials as forbidden and a bug as invalid (never retried)', () => {
    expect(
      classifyEc2Error(
        Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }),
        'X',
      ).reason,
    ).toBe('forbidden');
    expect(classifyEc2Error(new TypeError('x is not a function'), 'X')).toMatchObject({
      reason: 'invalid',
      details: { code: 'unexpected' },
    });
  });
});

describe('the provider with a mocked client', () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());
  const cfg = ec2Config();
  const vip = (n: string) => cfg.vips.find((v) => v.name === n)!;
  const node = (n: string) => cfg.nodes.find((x) => x.id === n)!;
  const provider = () =>
    new Ec2Provider({
      nodes: cfg.nodes,
      client: new EC2Client({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      pollMs: 1,
      logger: pino({ enabled: false }),
      random: () => 0,
    });
  const ctx = () => ({ epoch: 1, deadline: Date.now() + 2000 });
  const held = (eni: string) => ({
    NetworkInterfaces: [{ NetworkInterfaceId: eni, PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.100' }] }],
  });

  it('retries a dropped connection and counts both attempts', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .resolvesOnce({ NetworkInterfaces: [] })
      .resolves(held(IDS.eniA));
    ec2.on(AssignPrivateIpAddressesCommand).resolves({});
    const r = await provider().move(vip('sec4'), node('a'), ctx());
    expect(r).toMatchObject({ ok: true, changed: true, calls: 4 });
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)[0]!.args[0].input).toEqual({
      NetworkInterfaceId: IDS.eniA,
      PrivateIpAddresses: ['10.0.1.100'],
      AllowReassignment: true,
    });
  });

  it('does not retry PrivateIpAddressLimitExceeded (invalid) or a conflict', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    ec2.on(AssignPrivateIpAddressesCommand).rejects(sdkError('PrivateIpAddressLimitExceeded', 400));
    expect(await provider().move(vip('sec4'), node('a'), ctx())).toMatchObject({
      ok: false,
      reason: 'invalid',
      calls: 2,
    });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: IDS.alloc }] });
    ec2.on(AssociateAddressCommand).rejects(sdkError('Resource.AlreadyAssociated', 400));
    expect(await provider().move(vip('eip'), node('b'), ctx())).toMatchObject({
      ok: false,
      reason: 'conflict',
      calls: 2,
    });
    expect(ec2.commandCalls(AssociateAddressCommand)[0]!.args[0].input).toEqual({
      AllocationId: IDS.alloc,
      NetworkInterfaceId: IDS.eniB,
      PrivateIpAddress: '10.0.1.11',
      AllowReassociation: true,
    });
  });

  it('turns an observe failure into a thrown ProviderError with its reason', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(sdkError('UnauthorizedOperation', 403));
    await expect(provider().observe([vip('sec4')])).rejects.toMatchObject({
      name: 'ProviderError',
      reason: 'forbidden',
    });
  });
});
