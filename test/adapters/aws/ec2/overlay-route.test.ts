import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../core/config';
import { ec2Config, ec2World, IDS, type Ec2World } from './fixtures';

let w: Ec2World;
afterEach(async () => w?.close());

const DEST = '192.0.2.10/32';
const targets = () => [IDS.rtb1, IDS.rtb2].map((t) => w.emu.route(t, DEST)?.networkInterfaceId);

describe('aws-overlay-route', () => {
  it('creates the missing routes, then replaces them on a move, and observe follows', async () => {
    w = await ec2World();
    expect((await w.provider.observe([w.vip('relay')])).get('relay')).toEqual({ node: null });
    // A table read, the new owner's interface (source/dest check), two CreateRoute, a read-back.
    expect(await w.provider.move(w.vip('relay'), w.node('a'), w.ctx())).toMatchObject({
      ok: true,
      changed: true,
      calls: 5,
    });
    expect(w.emu.calls.count({ action: 'CreateRoute' })).toBe(2);
    expect(targets()).toEqual([IDS.eniA, IDS.eniA]);

    expect(await w.provider.move(w.vip('relay'), w.node('c'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.emu.calls.count({ action: 'ReplaceRoute' })).toBe(2);
    expect(targets()).toEqual([IDS.eniC, IDS.eniC]);
    expect((await w.provider.observe([w.vip('relay')])).get('relay')).toEqual({ node: 'c' });
    expect(await w.provider.move(w.vip('relay'), w.node('c'), w.ctx())).toMatchObject({
      ok: true,
      changed: false,
      calls: 1,
    });
    expect(w.emu.violationLog).toEqual([]);
  });

  it('reports tables that disagree as a split, and repairs only the stale table', async () => {
    w = await ec2World();
    await w.provider.move(w.vip('relay'), w.node('a'), w.ctx());
    await w.admin('/__admin/replace-route', {
      routeTableId: IDS.rtb2,
      destinationCidrBlock: DEST,
      networkInterfaceId: IDS.eniB,
    });
    expect((await w.provider.observe([w.vip('relay')])).get('relay')).toEqual({
      node: null,
      foreign: `split: ${IDS.rtb1}→${IDS.eniA}, ${IDS.rtb2}→${IDS.eniB}`,
    });
    w.emu.calls.clear();
    expect(await w.provider.move(w.vip('relay'), w.node('a'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.emu.calls.calls.filter((c) => c.mutating).map((c) => c.action)).toEqual(['ReplaceRoute']);
    expect(targets()).toEqual([IDS.eniA, IDS.eniA]);
  });

  it('creates a route that was deleted from one table', async () => {
    w = await ec2World();
    await w.provider.move(w.vip('relay'), w.node('a'), w.ctx());
    await w.admin('/__admin/act', {
      action: 'DeleteRoute',
      params: { RouteTableId: IDS.rtb1, DestinationCidrBlock: DEST },
    });
    expect((await w.provider.observe([w.vip('relay')])).get('relay')).toMatchObject({
      node: null,
      foreign: expect.stringContaining(`${IDS.rtb1}→none`),
    });
    expect(await w.provider.move(w.vip('relay'), w.node('b'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(targets()).toEqual([IDS.eniB, IDS.eniB]);
  });

  it('waits out read-after-write lag with one mutating call per table', async () => {
    w = await ec2World({ settings: { consistencyLagMs: 200 } });
    expect(await w.provider.move(w.vip('relay'), w.node('b'), w.ctx())).toMatchObject({ ok: true, changed: true });
    expect(w.mutating()).toBe(2);
    expect(await w.provider.move(w.vip('relay'), w.node('b'), w.ctx())).toMatchObject({ ok: true, changed: false });
    expect(w.mutating()).toBe(2);
  });

  it('answers not-found for a route table EC2 does not know', async () => {
    const raw = ec2Config();
    w = await ec2World();
    const cfg = loadConfig({
      cluster: raw.cluster,
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: raw.nodes,
      vips: [
        {
          name: 'lost',
          kind: 'aws-overlay-route',
          address: '192.0.2.77/32',
          aws: { routeTables: ['rtb-0000000000000dead'] },
        },
      ],
    });
    expect(await w.provider.move(cfg.vips[0]!, w.node('a'), w.ctx())).toMatchObject({
      ok: false,
      reason: 'not-found',
      calls: 1,
    });
  });

  it('refuses to route to an interface with source/destination check on, saying what to change, and changes no route', async () => {
    w = await ec2World({ sourceDestCheckOn: ['b'] });
    await w.provider.move(w.vip('relay'), w.node('a'), w.ctx());
    const r = await w.provider.move(w.vip('relay'), w.node('b'), w.ctx());
    expect(r).toMatchObject({ ok: false, reason: 'invalid' });
    expect(r.ok ? '' : r.message).toContain(`${IDS.eniB} has source/destination check on`);
    expect(r.ok ? '' : r.message).toContain(
      `modify-network-interface-attribute --network-interface-id ${IDS.eniB} --no-source-dest-check`,
    );
    expect(targets()).toEqual([IDS.eniA, IDS.eniA]);
    expect(w.emu.routeDelivers(IDS.rtb1, DEST)).toMatchObject({ delivers: true });
  });

  it('falls back to CreateRoute when ReplaceRoute answers InvalidParameterValue for a route the lagged read still showed', async () => {
    w = await ec2World({ settings: { consistencyLagMs: 300 } });
    await w.provider.move(w.vip('relay'), w.node('a'), w.ctx());
    await new Promise((r) => setTimeout(r, 350));
    await w.admin('/__admin/act', {
      action: 'DeleteRoute',
      params: { RouteTableId: IDS.rtb1, DestinationCidrBlock: DEST },
    });
    w.emu.calls.clear();
    expect(await w.provider.move(w.vip('relay'), w.node('b'), w.ctx())).toMatchObject({ ok: true, changed: true });
    const replace = w.emu.calls.calls.filter((c) => c.action === 'ReplaceRoute');
    expect(replace.map((c) => c.error)).toContain('InvalidParameterValue');
    expect(w.emu.calls.count({ action: 'CreateRoute' })).toBe(1);
    expect(targets()).toEqual([IDS.eniB, IDS.eniB]);
  });

  it('diagnoses the possible owners of an overlay route whose interface has source/destination check on, in one read', async () => {
    w = await ec2World({ sourceDestCheckOn: ['b', 'c'] });
    const found = await w.provider.diagnose([w.vip('relay'), w.vip('sec4')]);
    expect(found.map((d) => [d.vip, d.nodes])).toEqual([
      ['relay', ['b']],
      ['relay', ['c']],
    ]);
    expect(found[0]!.message).toContain(`--network-interface-id ${IDS.eniB} --no-source-dest-check`);
    expect(w.emu.calls.count({ action: 'DescribeNetworkInterfaces' })).toBe(1);
  });
});
