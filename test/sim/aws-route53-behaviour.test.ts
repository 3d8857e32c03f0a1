import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import { afterEach, describe, expect, it } from 'vitest';
import { Route53Emulator, type Route53EmulatorOptions } from '../../sim/aws-route53';
import { EXAMPLE_ZONE_ID as ZONE, exampleRoute53Seed } from '../../sim/aws-route53/example-seed';

let emu: Route53Emulator;
let r53: Route53Client;
let clock = 5_000_000;

async function start(settings: Route53EmulatorOptions['settings'] = {}): Promise<void> {
  emu = new Route53Emulator({ seed: exampleRoute53Seed(), settings, now: () => clock });
  await emu.start(0);
  r53 = new Route53Client({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
}

afterEach(async () => {
  r53.destroy();
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

async function admin(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const upsertVip = (value: string) =>
  r53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: ZONE,
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: { Name: 'vip.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: value }] },
          } satisfies Change,
        ],
      },
    }),
  );

describe('propagation', () => {
  it('a change is PENDING for propagationDelayMs, then INSYNC; DNS answers change only then', async () => {
    await start({ propagationDelayMs: 30_000 });
    const out = await upsertVip('192.0.2.11');
    expect(out.ChangeInfo?.Status).toBe('PENDING');
    expect(emu.dnsAnswer('vip.example.com', 'A')).toEqual(['192.0.2.10']);
    clock += 29_999;
    expect((await r53.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe('PENDING');
    clock += 1;
    expect((await r53.send(new GetChangeCommand({ Id: out.ChangeInfo!.Id! }))).ChangeInfo?.Status).toBe('INSYNC');
    expect(emu.dnsAnswer('vip.example.com', 'A')).toEqual(['192.0.2.11']);
  });

  it('the API itself reads its own writes at once (consistencyLagMs 0 by default), or later when lag is set', async () => {
    await start({ consistencyLagMs: 1000 });
    await upsertVip('192.0.2.11');
    const list = () =>
      r53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: ZONE,
          StartRecordName: 'vip.example.com',
          StartRecordType: 'A',
          MaxItems: 1,
        }),
      );
    expect((await list()).ResourceRecordSets?.[0]?.ResourceRecords).toEqual([{ Value: '192.0.2.10' }]);
    clock += 1000;
    expect((await list()).ResourceRecordSets?.[0]?.ResourceRecords).toEqual([{ Value: '192.0.2.11' }]);
  });
});

describe('PriorRequestNotComplete', () => {
  it('refuses a change to a zone whose previous change is still PENDING, and accepts it once INSYNC', async () => {
    await start({ propagationDelayMs: 10_000 });
    await upsertVip('192.0.2.11');
    const err = await failure(upsertVip('192.0.2.12'));
    expect(err.name).toBe('PriorRequestNotComplete');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.11']);
    clock += 10_000;
    await upsertVip('192.0.2.12');
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.12']);
  });

  it('can be limited to a short window after each change, or switched off', async () => {
    await start({ propagationDelayMs: 10_000, priorRequestWindowMs: 500 });
    await upsertVip('192.0.2.11');
    expect((await failure(upsertVip('192.0.2.12'))).name).toBe('PriorRequestNotComplete');
    clock += 500;
    const second = await upsertVip('192.0.2.12');
    expect(second.ChangeInfo?.Status).toBe('PENDING');
    expect((await admin('/__admin/settings', { enforcePriorRequest: false })).json).toMatchObject({
      enforcePriorRequest: false,
      propagationDelayMs: 10_000,
    });
    await upsertVip('192.0.2.13');
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.13']);
  });
});

describe('throttling', () => {
  it('answers Throttling (400) past 5 requests in a second for the account, refilling 5/s', async () => {
    await start({ enforcePriorRequest: false });
    for (let i = 0; i < 5; i++) await r53.send(new GetHostedZoneCommand({ Id: ZONE }));
    const err = await failure(upsertVip('192.0.2.11'));
    expect(err.name).toBe('Throttling');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.10']);
    clock += 200;
    await upsertVip('192.0.2.11');
    expect((await failure(r53.send(new GetHostedZoneCommand({ Id: ZONE })))).name).toBe('Throttling');
  });
});

describe('fault injection', () => {
  it('answers InternalFailure (500) or ServiceUnavailable (503) for injected errors, per operation', async () => {
    await start({ throttling: false });
    await admin('/__admin/faults', { kind: 'error', count: 1, action: 'ChangeResourceRecordSets' });
    await admin('/__admin/faults', { kind: 'error', count: 1, action: 'GetHostedZone', status: 503 });
    await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE }));
    const internal = await failure(upsertVip('192.0.2.11'));
    expect(internal).toMatchObject({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    expect(emu.changes.size).toBe(0);
    const unavailable = await failure(r53.send(new GetHostedZoneCommand({ Id: ZONE })));
    expect(unavailable).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    await upsertVip('192.0.2.11');
  });

  it('hangs a call and drops it without applying the change', async () => {
    await start({ throttling: false });
    await admin('/__admin/faults', { kind: 'hang', count: 1, ms: 100 });
    await expect(upsertVip('192.0.2.11')).rejects.toThrow();
    expect(emu.recordSet(ZONE, 'vip.example.com', 'A')?.values).toEqual(['192.0.2.10']);
    expect(emu.calls.calls.at(-1)).toMatchObject({ action: 'ChangeResourceRecordSets', error: 'hang', status: 504 });
  });
});

describe('InvalidChangeBatch wire forms', () => {
  const bad = () =>
    r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ZONE,
        ChangeBatch: {
          Changes: [
            {
              Action: 'DELETE',
              ResourceRecordSet: {
                Name: 'no.example.com',
                Type: 'A',
                TTL: 1,
                ResourceRecords: [{ Value: '192.0.2.1' }],
              },
            },
          ],
        },
      }),
    );

  it('uses the standard error envelope by default', async () => {
    await start({ throttling: false });
    const body = `<?xml version="1.0"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>DELETE</Action><ResourceRecordSet><Name>no.example.com</Name><Type>A</Type><TTL>1</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
    const raw = await fetch(`${emu.url}/2013-04-01/hostedzone/${ZONE}/rrset/`, { method: 'POST', body });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toMatch(
      /<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>InvalidChangeBatch<\/Code><Message>\[Tried to delete .*\]<\/Message><\/Error><RequestId>/,
    );
    expect((await failure(bad())).name).toBe('InvalidChangeBatch');
  });

  it('can answer the legacy <InvalidChangeBatch><Messages> form, which this SDK reports as Unknown', async () => {
    await start({ throttling: false, legacyInvalidChangeBatch: true });
    const err = await failure(bad());
    expect(err.name).toBe('Unknown');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(emu.calls.calls.at(-1)).toMatchObject({ error: 'InvalidChangeBatch', status: 400 });
  });
});

describe('admin', () => {
  it('applies a change by hand (like the console): same validation, a change record, no throttling', async () => {
    await start({ propagationDelayMs: 0 });
    for (let i = 0; i < 5; i++) await r53.send(new GetHostedZoneCommand({ Id: ZONE }));
    const ok = await admin('/__admin/change', {
      zoneId: ZONE,
      changes: [{ action: 'UPSERT', name: 'vip.example.com', type: 'A', ttl: 60, values: ['192.0.2.50'] }],
    });
    expect(ok.status).toBe(200);
    expect(emu.changeStatus(String(ok.json.changeId))).toBe('INSYNC');
    expect(emu.dnsAnswer('vip.example.com', 'A')).toEqual(['192.0.2.50']);
    const bad = await admin('/__admin/change', {
      zoneId: ZONE,
      changes: [{ action: 'CREATE', name: 'vip.example.com', type: 'A', ttl: 60, values: ['192.0.2.51'] }],
    });
    expect(bad).toMatchObject({ status: 400, json: { error: 'InvalidChangeBatch' } });
    expect(emu.violationLog).toEqual([]);
  });

  it('refuses bad settings without changing any', async () => {
    await start();
    const res = await fetch(`${emu.url}/__admin/settings`, {
      method: 'POST',
      body: JSON.stringify({ latencyMs: 5, propagationDelayMs: 'soon' }),
    });
    expect(res.status).toBe(400);
    expect(emu.settings.latencyMs).toBe(0);
    expect(emu.route53Settings.propagationDelayMs).toBe(1000);
  });
});
