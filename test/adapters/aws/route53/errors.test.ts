import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyRoute53Error, Route53RecordSetPublisher } from '../../../../adapters/aws/route53';
import type { FailureReason } from '../../../../core/reasons';

function sdkError(name: string, status: number, message = `${name} happened`): Route53ServiceException {
  return new Route53ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

describe('Route 53 error codes onto failure reasons', () => {
  const table: Array<[string, number, string, FailureReason]> = [
    ['Throttling', 400, 'Rate exceeded', 'throttled'],
    ['PriorRequestNotComplete', 400, 'still processing a prior request', 'conflict'],
    ['InternalFailure', 500, 'internal', 'transient'],
    ['ServiceUnavailable', 503, 'unavailable', 'transient'],
    ['NoSuchHostedZone', 404, 'No hosted zone found with ID: Z1', 'not-found'],
    ['NoSuchChange', 404, 'no such change', 'not-found'],
    ['AccessDenied', 403, 'not authorized to perform route53:ChangeResourceRecordSets', 'forbidden'],
    ['InvalidInput', 400, 'The input is not valid', 'invalid'],
    [
      'InvalidChangeBatch',
      400,
      "[Tried to create resource record set [name='a.example.net.', type='A'] but it already exists]",
      'conflict',
    ],
    [
      'InvalidChangeBatch',
      400,
      "[Tried to delete resource record set [name='a.example.net.', type='A'] but it was not found]",
      'conflict',
    ],
    [
      'InvalidChangeBatch',
      400,
      '[Tried to delete resource record set a.example.net. A but the values provided do not match the current values]',
      'conflict',
    ],
    ['InvalidChangeBatch', 400, '[ARRDATAIllegalIPv4Address: Value is not a valid IPv4 address]', 'invalid'],
    [
      'InvalidChangeBatch',
      400,
      '[RRSet with DNS name b.example.org. is not permitted in zone example.net.]',
      'invalid',
    ],
  ];
  it.each(table)('%s (HTTP %i) "%s" → %s', (code, status, message, reason) => {
    const e = classifyRoute53Error(sdkError(code, status, message), 'ChangeResourceRecordSets');
    expect(e.reason).toBe(reason);
    expect(e.details.code).toBe(code);
    expect(e.message).toContain(message);
  });
});

describe('the publisher with a mocked client', () => {
  const r53 = mockClient(Route53Client);
  afterEach(() => r53.reset());
  const record = {
    provider: 'aws-route53' as const,
    hostedZoneId: 'Z1',
    name: 'smtp.example.net',
    ttl: 30,
    vips: ['a'],
  };
  const publisher = () =>
    new Route53RecordSetPublisher({
      client: new Route53Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      pollMs: 1,
      logger: pino({ enabled: false }),
      random: () => 0,
    });
  const ctx = () => ({ epoch: 1, deadline: Date.now() + 2000 });

  it('sends one UPSERT batch with sorted canonical values', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 10 })
      .resolves({
        ResourceRecordSets: [
          {
            Name: 'smtp.example.net.',
            Type: 'A',
            TTL: 30,
            ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.2' }],
          },
        ],
        IsTruncated: false,
        MaxItems: 10,
      });
    r53
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    expect(await publisher().publish(record, ['10.0.0.2', '10.0.0.1'], ctx())).toMatchObject({
      ok: true,
      changed: true,
      calls: 3,
    });
    const input = r53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input;
    expect(input.ChangeBatch?.Changes).toEqual([
      {
        Action: 'UPSERT',
        ResourceRecordSet: {
          Name: 'smtp.example.net',
          Type: 'A',
          TTL: 30,
          ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.2' }],
        },
      },
    ]);
  });

  it('rebuilds the batch when the set changed between the read and the change', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [
          { Name: 'smtp.example.net.', Type: 'A', TTL: 30, ResourceRecords: [{ Value: '10.0.0.9' }] },
        ],
        IsTruncated: false,
        MaxItems: 10,
      })
      .resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 10 });
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(
        sdkError(
          'InvalidChangeBatch',
          400,
          "[Tried to delete resource record set [name='smtp.example.net.', type='A'] but it was not found]",
        ),
      )
      .resolves({ ChangeInfo: { Id: '/change/C2', Status: 'INSYNC', SubmittedAt: new Date() } });
    expect(await publisher().publish(record, [], ctx())).toMatchObject({ ok: true, changed: false });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
  });
});
