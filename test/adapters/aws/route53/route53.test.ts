import { afterEach, describe, expect, it } from 'vitest';
import { membershipAddresses } from '../../../../adapters/aws/route53';
import { route53World, ZONE, type Route53World } from '../ec2/fixtures';

let w: Route53World;
afterEach(async () => w?.close());

const dns = () => w.cfg.dns[0]!;
const record = (name: string, type = 'A') => w.emu.recordSet(ZONE, name, type);

describe('aws-route53 owner record', () => {
  it('upserts the record, waits for INSYNC, reads it back, and a repeat is one read', async () => {
    w = await route53World();
    expect((await w.provider.observe([w.vip('webmail')])).get('webmail')).toEqual({ node: null });
    w.emu.calls.clear();
    const r = await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(record('webmail.example.net')).toMatchObject({ ttl: 60, values: ['203.0.113.1'] });
    const change = [...w.emu.changes.values()].at(-1)!;
    expect(r.ok && r.verifiedAt).toBeGreaterThanOrEqual(change.insyncAt);
    expect(w.emu.calls.count({ action: 'GetChange' })).toBeGreaterThanOrEqual(1);
    expect(r.calls).toBe(w.emu.calls.calls.length);

    expect(await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx())).toMatchObject({
      ok: true,
      changed: false,
      calls: 1,
    });
    expect(w.changes()).toBe(1);
    expect((await w.provider.observe([w.vip('webmail')])).get('webmail')).toEqual({ node: 'a' });
  });

  it('moves to an IPv6 owner in one batch: UPSERT the AAAA set, DELETE the A set', async () => {
    w = await route53World();
    await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx());
    expect(await w.provider.move(w.vip('webmail'), w.node('v6'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.changes()).toBe(2);
    expect(record('webmail.example.net')).toBeUndefined();
    expect(record('webmail.example.net', 'AAAA')).toMatchObject({ values: ['2001:db8::6'] });
    expect((await w.provider.observe([w.vip('webmail')])).get('webmail')).toEqual({ node: 'v6' });
  });

  it('reports a record pointing elsewhere as foreign', async () => {
    w = await route53World();
    await w.admin('/__admin/change', {
      zoneId: ZONE,
      changes: [{ action: 'UPSERT', name: 'webmail.example.net', type: 'A', ttl: 60, values: ['192.0.2.200'] }],
    });
    expect((await w.provider.observe([w.vip('webmail')])).get('webmail')).toEqual({
      node: null,
      foreign: '192.0.2.200',
    });
  });

  it('refuses a node with no address to point at, before any call', async () => {
    const { config } = await import('../../../helpers/configs');
    w = await route53World();
    const nowhere = config({
      cluster: 'x',
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: [{ id: 'n', interface: 'eth0' }],
    }).nodes[0]!;
    expect(await w.provider.move(w.vip('webmail'), nowhere, w.ctx())).toMatchObject({
      ok: false,
      reason: 'invalid',
      calls: 0,
    });
  });

  it('retries PriorRequestNotComplete while the zone is busy with a change made by hand', async () => {
    w = await route53World({ propagationDelayMs: 300 });
    await w.admin('/__admin/change', {
      zoneId: ZONE,
      changes: [{ action: 'UPSERT', name: 'other.example.net', type: 'A', ttl: 60, values: ['192.0.2.9'] }],
    });
    const r = await w.provider.move(w.vip('webmail'), w.node('b'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(w.emu.calls.calls.filter((c) => c.error === 'PriorRequestNotComplete').length).toBeGreaterThanOrEqual(1);
    expect(record('webmail.example.net')).toMatchObject({ values: ['203.0.113.2'] });
  });

  it('counts a change still PENDING at the deadline as accepted (moved, no verified mark), not as a failure', async () => {
    w = await route53World({ propagationDelayMs: 5000 });
    const r = await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx(600));
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.ok && r.acceptedAt).toBeGreaterThan(0);
    expect(r.ok && r.verifiedAt).toBeUndefined();
    // Either the last GetChange still said PENDING, or the deadline cut the poll short.
    expect(r.ok && r.detail).toMatch(/change \/change\/C\w+ accepted, not in sync by the deadline/);
    expect(w.changes()).toBe(1);
  });

  it('paces a start-up burst under the real 5 requests/second limit, and a move during it still finds the reserved budget', async () => {
    w = await route53World({ requestsPerSecond: 5 });
    let burstDoneAt = 0;
    const burst = Promise.all(Array.from({ length: 12 }, () => w.provider.observe([w.vip('webmail')]))).then(
      (all) => ((burstDoneAt = Date.now()), all),
    );
    await new Promise((r) => setTimeout(r, 300));
    // The failover arrives while the reads queue: the control loop looks at the budget first.
    expect(w.provider.budget().remaining).toBeGreaterThan(0);
    const move = await w.provider.move(w.vip('webmail'), w.node('a'), w.ctx(10_000));
    expect(move).toMatchObject({ ok: true, changed: true });
    const movedAt = Date.now();
    const observes = await burst;
    expect(observes).toHaveLength(12);
    // Not one request over the account's limit: our own burst never throttles us.
    expect(w.emu.calls.calls.filter((c) => c.error === 'Throttling')).toEqual([]);
    // The move (read, change, GetChange polls, read-back) went ahead of the queued reads.
    expect(movedAt).toBeLessThan(burstDoneAt);
    expect(w.emu.calls.count({ action: 'ChangeResourceRecordSets' })).toBe(1);
  });

  it('reports the accepted time of a change and verifies it only once Route 53 says INSYNC', async () => {
    w = await route53World({ propagationDelayMs: 600 });
    const r = await w.provider.move(w.vip('webmail'), w.node('b'), w.ctx(10_000));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const change = w.emu.calls.calls.find((c) => c.action === 'ChangeResourceRecordSets')!;
    expect(r.acceptedAt).toBeGreaterThanOrEqual(change.at);
    expect(r.verifiedAt! - r.acceptedAt!).toBeGreaterThanOrEqual(550);
    expect(w.emu.calls.count({ action: 'GetChange' })).toBeGreaterThan(0);
    expect(w.provider.moveDeadlineMs()).toBe(90_000);
  });
});

describe('round-robin membership (RecordSetPublisher)', () => {
  it('lists exactly the addresses given, IPv4 in A and IPv6 in AAAA, in one batch; republishing changes nothing', async () => {
    w = await route53World();
    expect(await w.publisher.observe(dns())).toEqual([]);
    const r = await w.publisher.publish(dns(), ['10.9.2.100', '10.9.1.100', '2001:db8:9::100'], w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(w.changes()).toBe(1);
    expect(record('smtp.example.net')).toMatchObject({ ttl: 30, values: ['10.9.1.100', '10.9.2.100'] });
    expect(record('smtp.example.net', 'AAAA')).toMatchObject({ values: ['2001:db8:9::100'] });
    expect(await w.publisher.observe(dns())).toEqual(['10.9.1.100', '10.9.2.100', '2001:db8:9::100']);
    expect(await w.publisher.publish(dns(), ['2001:db8:9:0::100', '10.9.1.100', '10.9.2.100'], w.ctx())).toMatchObject({
      ok: true,
      changed: false,
      calls: 1,
    });
    expect(w.changes()).toBe(1);
  });

  it('drops a member, and deletes the set when none is left', async () => {
    w = await route53World();
    await w.publisher.publish(dns(), ['10.9.1.100', '10.9.2.100', '2001:db8:9::100'], w.ctx());
    expect(await w.publisher.publish(dns(), ['10.9.2.100'], w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(record('smtp.example.net')).toMatchObject({ values: ['10.9.2.100'] });
    expect(record('smtp.example.net', 'AAAA')).toBeUndefined();
    expect(await w.publisher.publish(dns(), [], w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(record('smtp.example.net')).toBeUndefined();
    expect(await w.publisher.observe(dns())).toEqual([]);
  });

  it('publishes under read-after-write lag with one change, and a publish right after makes none', async () => {
    w = await route53World({ consistencyLagMs: 300 });
    expect(await w.publisher.publish(dns(), ['10.9.1.100'], w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(await w.publisher.publish(dns(), ['10.9.1.100'], w.ctx())).toMatchObject({ ok: true, changed: false });
    expect(w.changes()).toBe(1);
  });

  it('refuses something that is not an address without a call', async () => {
    w = await route53World();
    expect(await w.publisher.publish(dns(), ['mail.example.net'], w.ctx())).toMatchObject({
      ok: false,
      reason: 'invalid',
      calls: 0,
    });
  });

  it('says which addresses a record should list: its VIPs that have an owner', async () => {
    w = await route53World();
    const owners = new Map<string, string | null>([
      ['sec-a', 'a'],
      ['sec-b', null],
      ['sec-6', 'b'],
    ]);
    expect(membershipAddresses(w.cfg, dns(), owners)).toEqual(['10.9.1.100', '2001:db8:9::100']);
  });
});
