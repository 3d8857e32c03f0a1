import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../core/config';
import { ec2Config, ec2World, IDS, type Ec2World } from './fixtures';

let w: Ec2World;
afterEach(async () => w?.close());

const V6 = '2001:db8:0:1::100';

describe('aws-secondary-ip (IPv6): unassign, then assign', () => {
  it('assigns an unheld address with one call and no gap', async () => {
    w = await ec2World();
    const r = await w.provider.move(w.vip('sec6'), w.node('a6'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true, calls: 3 });
    expect(r.ok && r.gapMs).toBeUndefined();
    expect(w.emu.holderOfIpv6(V6)).toBe(IDS.eniA6);
  });

  it('moves a held address as two calls and reports the gap', async () => {
    w = await ec2World();
    await w.provider.move(w.vip('sec6'), w.node('a6'), w.ctx());
    w.emu.calls.clear();
    const r = await w.provider.move(w.vip('sec6'), w.node('b6'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true, calls: 4 });
    expect(r.ok && r.gapMs).toBeGreaterThanOrEqual(0);
    expect(w.emu.calls.calls.map((c) => c.action)).toEqual([
      'DescribeNetworkInterfaces',
      'UnassignIpv6Addresses',
      'AssignIpv6Addresses',
      'DescribeNetworkInterfaces',
    ]);
    expect(w.emu.holderOfIpv6(V6)).toBe(IDS.eniB6);
    expect((await w.provider.observe([w.vip('sec6')])).get('sec6')).toEqual({ node: 'b6' });
    expect(await w.provider.move(w.vip('sec6'), w.node('b6'), w.ctx())).toMatchObject({
      ok: true,
      changed: false,
      calls: 1,
    });
  });

  it('says when the assign failed after the unassign: nobody holds the address', async () => {
    w = await ec2World();
    await w.provider.move(w.vip('sec6'), w.node('a6'), w.ctx());
    await w.admin('/__admin/deny', { action: 'AssignIpv6Addresses' });
    const r = await w.provider.move(w.vip('sec6'), w.node('b6'), w.ctx());
    expect(r).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(r.ok === false && r.message).toMatch(
      /unassigned from eni-000000000000000a6 but assigning it to eni-000000000000000b6 failed, so nobody holds it/,
    );
    expect(w.emu.holderOfIpv6(V6)).toBeUndefined();
  });

  it('refuses a node whose subnet is IPv4 only, before any call', async () => {
    w = await ec2World();
    const r = await w.provider.move(w.vip('sec6'), w.node('a'), w.ctx());
    expect(r).toMatchObject({ ok: false, reason: 'invalid', calls: 0 });
    expect(r.ok === false && r.message).toBe(
      'move sec6 to a: node a has no aws.subnetIpv6Cidr for 2001:db8:0:1::100 (aws.subnetCidr 10.0.1.0/24 is IPv4); a secondary private IP moves only within one subnet',
    );
  });

  it('moves to a dual-stack node, whose IPv6 block is in subnetIpv6Cidr', async () => {
    w = await ec2World();
    expect(await w.provider.move(w.vip('sec6'), w.node('a6'), w.ctx())).toMatchObject({ ok: true });
    expect(await w.provider.move(w.vip('sec6'), w.node('d6'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.emu.holderOfIpv6(V6)).toBe(IDS.eniD6);
    expect((await w.provider.observe([w.vip('sec6')])).get('sec6')).toEqual({ node: 'd6' });
  });
});

describe('aws-elastic-ip', () => {
  it('associates with AllowReassociation sent explicitly (strict emulator), across zones, and observe follows', async () => {
    w = await ec2World(); // strictReassociation: an omitted AllowReassociation would be refused on the second move
    expect(await w.provider.move(w.vip('eip'), w.node('a'), w.ctx())).toMatchObject({
      ok: true,
      changed: true,
      calls: 3,
    });
    expect(w.emu.elasticIp(IDS.alloc)?.association).toMatchObject({ eniId: IDS.eniA, privateIp: '10.0.1.10' });
    expect(await w.provider.move(w.vip('eip'), w.node('c'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.emu.elasticIp(IDS.alloc)?.association).toMatchObject({ eniId: IDS.eniC, privateIp: '10.0.2.10' });
    expect((await w.provider.observe([w.vip('eip')])).get('eip')).toEqual({ node: 'c' });
    expect(await w.provider.move(w.vip('eip'), w.node('c'), w.ctx())).toMatchObject({
      ok: true,
      changed: false,
      calls: 1,
    });
    expect(w.emu.calls.count({ action: 'AssociateAddress' })).toBe(2);
    expect(w.emu.violationLog).toEqual([]);
  });

  it('polls DescribeAddresses through read-after-write lag with one AssociateAddress', async () => {
    w = await ec2World({ settings: { consistencyLagMs: 250 } });
    const r = await w.provider.move(w.vip('eip'), w.node('b'), w.ctx());
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.calls).toBeGreaterThan(3);
    expect(w.emu.calls.count({ action: 'AssociateAddress' })).toBe(1);
  });

  it('answers not-found for an allocation EC2 does not know, in move and in observe', async () => {
    const raw = ec2Config();
    w = await ec2World();
    const cfg = loadConfig({
      cluster: raw.cluster,
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: raw.nodes,
      vips: [
        {
          name: 'ghost',
          kind: 'aws-elastic-ip',
          address: '198.51.100.99/32',
          aws: { allocationId: 'eipalloc-0000000000000dead' },
        },
      ],
    });
    const ghost = cfg.vips[0]!;
    expect(await w.provider.move(ghost, w.node('a'), w.ctx())).toMatchObject({
      ok: false,
      reason: 'not-found',
      calls: 1,
    });
    await expect(w.provider.observe([ghost])).rejects.toMatchObject({
      reason: 'not-found',
      message: expect.stringContaining('InvalidAllocationID.NotFound'),
    });
  });
});
