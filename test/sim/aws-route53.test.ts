import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Route53Emulator } from '../../sim/aws-route53';
import { EXAMPLE_ZONE_ID as ZONE, exampleRoute53Seed } from '../../sim/aws-route53/example-seed';

let emu: Route53Emulator;
let r53: Route53Client;

// Throttling and PriorRequestNotComplete have their own tests; here they would only get in the way.
beforeEach(async () => {
  emu = new Route53Emulator({
    seed: exampleRoute53Seed(),
    settings: { throttling: false, enforcePriorRequest: false },
  });
  await emu.start(0);
  r53 = new Route53Client({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  r53.destroy();
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

const a = (action: Change['Action'], name: string, value: string, ttl = 60): Change => ({
  Action: action,
  ResourceRecordSet: { Name: name, Type: 'A', TTL: ttl, ResourceRecords: [{ Value: value }] },
});

const change = (...changes: Change[]) =>
  r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: ZONE, ChangeBatch: { Changes: changes } }));

describe('GetHostedZone / ListHostedZones', () => {
  it('answers the zone with its name servers and record count', async () => {
    const out = await r53.send(new GetHostedZoneCommand({ Id: `/hostedzone/${ZONE}` }));
    expect(out.HostedZone).toMatchObject({
      Id: `/hostedzone/${ZONE}`,
      Name: 'example.com.',
      Config: { PrivateZone: false },
      ResourceRecordSetCount: 6,
    });
    expect(out.DelegationSet?.NameServers).toHaveLength(4);
    const list = await r53.send(new ListHostedZonesCommand({}));
    expect(list.HostedZones?.map((z) => z.Id)).toEqual([`/hostedzone/${ZONE}`]);
    expect(list.IsTruncated).toBe(false);
  });

  it('answers NoSuchHostedZone (404) for an unknown zone', async () => {
    const err = await failure(r53.send(new GetHostedZoneCommand({ Id: 'Z404NOTHERE' })));
    expect(err.name).toBe('NoSuchHostedZone');
    expect(err.$metadata.httpStatusCode).toBe(404);
    const viaChange = await failure(
      r53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: 'Z404NOTHERE',
          ChangeBatch: { Changes: [a('UPSERT', 'x.example.com', '192.0.2.1')] },
        }),
      ),
    );
    expect(viaChange.name).toBe('NoSuchHostedZone');
  });
});

describe('ListResourceRecordSets', () => {
  it('lists in Route 53 order (labels right to left, then type, then set identifier), with SOA and NS', async () => {
    const out = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE }));
    expect(out.ResourceRecordSets?.map((r) => `${r.Name} ${r.Type} ${r.SetIdentifier ?? ''}`.trim())).toEqual([
      'example.com. NS',
      'example.com. SOA',
      'api.example.com. A a',
      'api.example.com. A b',
      'vip.example.com. A',
      'www.example.com. CNAME',
    ]);
    expect(out.IsTruncated).toBe(false);
    expect(out.ResourceRecordSets?.find((r) => r.Name === 'vip.example.com.')).toEqual({
      Name: 'vip.example.com.',
      Type: 'A',
      TTL: 60,
      ResourceRecords: [{ Value: '192.0.2.10' }],
    });
  });

  it('pages with MaxItems and NextRecordName/NextRecordType/NextRecordIdentifier', async () => {
    const seen: string[] = [];
    let start: Pick<
      ListResourceRecordSetsCommandInput,
      'StartRecordName' | 'StartRecordType' | 'StartRecordIdentifier'
    > = {};
    for (let page = 0; page < 10; page++) {
      const out = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE, MaxItems: 2, ...start }));
      expect(out.ResourceRecordSets!.length).toBeLessThanOrEqual(2);
      seen.push(...out.ResourceRecordSets!.map((r) => `${r.Name}/${r.Type}/${r.SetIdentifier ?? ''}`));
      if (!out.IsTruncated) break;
      start = {
        StartRecordName: out.NextRecordName,
        StartRecordType: out.NextRecordType,
        StartRecordIdentifier: out.NextRecordIdentifier,
      };
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(seen[3]).toBe('api.example.com./A/b');
  });

  it('starts at StartRecordName/StartRecordType, case-insensitively', async () => {
    const out = await r53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        StartRecordName: 'VIP.Example.COM',
        StartRecordType: 'A',
        MaxItems: 1,
      }),
    );
    expect(out.ResourceRecordSets?.map((r) => r.Name)).toEqual(['vip.example.com.']);
    expect(out).toMatchObject({
      IsTruncated: true,
      NextRecordName: 'www.example.com.',
      NextRecordType: 'CNAME',
      MaxItems: 1,
    });
  });

  it('refuses a type without a name', async () => {
    const err = await failure(
      r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE, StartRecordType: 'A' })),
    );
    expect(err.name).toBe('InvalidInput');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('writes a wildcard as \\052 in answers', async () => {
    await change(a('CREATE', '*.example.com', '192.0.2.99'));
    const out = await r53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        StartRecordName: '*.example.com',
        StartRecordType: 'A',
        MaxItems: 1,
      }),
    );
    expect(out.ResourceRecordSets?.[0]?.Name).toBe('\\052.example.com.');
  });
});

describe('ChangeResourceRecordSets', () => {
  it('applies CREATE, UPSERT and DELETE and answers a PENDING change', async () => {
    const apiA: Change = {
      Action: 'DELETE',
      ResourceRecordSet: {
        Name: 'api.example.com',
        Type: 'A',
        SetIdentifier: 'a',
        Weight: 50,
        TTL: 60,
        ResourceRecords: [{ Value: '192.0.2.21' }],
      },
    };
    const out = await change(
      a('CREATE', 'new.example.com', '192.0.2.30'),
      a('UPSERT', 'vip.example.com.', '192.0.2.11'),
      apiA,
    );
    expect(out.ChangeInfo?.Id).toMatch(/^\/change\/C[0-9A-Z]+$/);
    expect(out.ChangeInfo?.Status).toBe('PENDING');
    expect(out.ChangeInfo?.SubmittedAt).toBeInstanceOf(Date);
    expect(emu.recordSet(ZONE, 'new.example.com', 'A')?.values).toEqual(['192.0.2.30']);
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.11']);
    expect(emu.recordSet(ZONE, 'api.example.com', 'A', 'a')).toBeUndefined();
    expect(emu.recordSet(ZONE, 'api.example.com', 'A', 'b')?.values).toEqual(['192.0.2.22']);
    // A weighted set is named by its SetIdentifier: without it, there is no such set.
    const unnamed = await failure(change(a('DELETE', 'api.example.com', '192.0.2.22')));
    expect(unnamed.message).toContain('but it was not found');
  });

  it('is atomic: one bad change and nothing is applied, with every problem reported', async () => {
    const err = await failure(
      change(
        a('UPSERT', 'vip.example.com', '192.0.2.11'),
        a('CREATE', 'www2.example.com', '192.0.2.12'),
        a('CREATE', 'api.example.com', '192.0.2.13'),
        a('DELETE', 'gone.example.com', '192.0.2.1'),
      ),
    );
    expect(err.name).toBe('InvalidChangeBatch');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(
      /^\[.*cannot be created because a weighted set.*, Tried to delete resource record set \[name='gone.example.com.', type='A'\] but it was not found\]$/,
    );
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.10']);
    expect(emu.recordSet(ZONE, 'www2.example.com', 'A')).toBeUndefined();
    expect(emu.changes.size).toBe(0);
  });

  it('refuses DELETE of a missing set and DELETE whose values do not match', async () => {
    const missing = await failure(change(a('DELETE', 'nothing.example.com', '192.0.2.1')));
    expect(missing.message).toContain('but it was not found');
    const mismatch = await failure(change(a('DELETE', 'vip.example.com', '192.0.2.10', 300)));
    expect(mismatch.name).toBe('InvalidChangeBatch');
    expect(mismatch.message).toContain('do not match the current values');
  });

  it('refuses two changes to one set in a batch, but allows DELETE then CREATE', async () => {
    const dup = await failure(
      change(a('UPSERT', 'vip.example.com', '192.0.2.11'), a('UPSERT', 'VIP.example.com', '192.0.2.12')),
    );
    expect(dup.name).toBe('InvalidChangeBatch');
    expect(dup.message).toContain("invalid set of changes for a resource record set 'A vip.example.com.'");
    await change(a('DELETE', 'vip.example.com', '192.0.2.10'), a('CREATE', 'vip.example.com', '192.0.2.12'));
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.12']);
  });

  it('refuses names outside the zone, bad addresses, CNAME clashes and deleting the apex NS', async () => {
    expect((await failure(change(a('CREATE', 'vip.example.org', '192.0.2.1')))).message).toContain(
      'not permitted in zone example.com.',
    );
    expect((await failure(change(a('CREATE', 'bad.example.com', '192.0.2.300')))).message).toContain(
      'ARRDATAIllegalIPv4Address',
    );
    const clash = await failure(change(a('CREATE', 'www.example.com', '192.0.2.1')));
    expect(clash.message).toContain('conflicting RRSet of type CNAME');
    const ns = emu.recordSet(ZONE, 'example.com', 'NS')!;
    const apex = await failure(
      change({
        Action: 'DELETE',
        ResourceRecordSet: {
          Name: 'example.com',
          Type: 'NS',
          TTL: ns.ttl,
          ResourceRecords: ns.values.map((Value) => ({ Value })),
        },
      }),
    );
    expect(apex.message).toContain('at least one NS record');
  });

  it('answers InvalidInput for a change without TTL or records', async () => {
    const err = await failure(change({ Action: 'UPSERT', ResourceRecordSet: { Name: 'x.example.com', Type: 'A' } }));
    expect(err.name).toBe('InvalidInput');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});

describe('GetChange', () => {
  it('answers a known change and NoSuchChange (404) for an unknown one', async () => {
    const out = await change(a('UPSERT', 'vip.example.com', '192.0.2.11'));
    const got = await r53.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }));
    expect(got.ChangeInfo).toMatchObject({ Id: out.ChangeInfo!.Id, Status: 'PENDING' });
    const err = await failure(r53.send(new GetChangeCommand({ Id: 'C404NOTHERE' })));
    expect(err.name).toBe('NoSuchChange');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });
});
