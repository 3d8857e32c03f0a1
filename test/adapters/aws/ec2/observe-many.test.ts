import { afterEach, describe, expect, it } from 'vitest';
import { bigClusterConfig } from '../../../../bench/big-cluster';
import { loadConfig } from '../../../../core/config';
import { ec2World, type Ec2World } from './fixtures';

let w: Ec2World;
afterEach(async () => w?.close());

// 8 nodes over 4 subnets, 160 secondary IPs, each seeded on its preferred node's interface.
const cfg = () => loadConfig(bigClusterConfig({ nodes: 8, vips: 160, subnets: 4 }));
const describes = () => w.emu.calls.calls.filter((c) => c.action === 'DescribeNetworkInterfaces').length;

describe('aws-secondary-ip observe of many addresses', () => {
  it('lists the subnets once instead of asking 100 addresses at a time, with the same answer', async () => {
    w = await ec2World({}, cfg());
    const all = await w.provider.observe(w.cfg.vips);
    expect(describes()).toBe(1); // by address it would be 2 (100 values per filter)
    expect(all.size).toBe(160);
    for (const v of w.cfg.vips) expect(all.get(v.name)).toEqual({ node: v.preferred });

    // Ask the same addresses 50 at a time (the address filter): the answers agree.
    for (let i = 0; i < w.cfg.vips.length; i += 50) {
      const some = w.cfg.vips.slice(i, i + 50);
      const byAddress = await w.provider.observe(some);
      for (const v of some) expect(byAddress.get(v.name)).toEqual(all.get(v.name));
    }
  });

  it('sees an address moved or taken off by hand, and an address nobody holds, as a per-address read does', async () => {
    w = await ec2World({}, cfg());
    const [moved, dropped] = [w.cfg.vips[0]!, w.cfg.vips[1]!];
    // VIP 0 lives in subnet 0 with nodes 1 and 5 (1-based): give it to the other one.
    const other = w.cfg.nodes.find(
      (n) => n.aws?.subnetId === w.node(moved.preferred!).aws?.subnetId && n.id !== moved.preferred,
    )!;
    await w.admin('/__admin/assign-private-ip', {
      networkInterfaceId: other.aws!.eni,
      privateIpAddress: moved.ip!.text,
    });
    await w.admin('/__admin/unassign-private-ip', {
      networkInterfaceId: w.node(dropped.preferred!).aws!.eni,
      privateIpAddress: dropped.ip!.text,
    });
    const all = await w.provider.observe(w.cfg.vips);
    expect(all.get(moved.name)).toEqual({ node: other.id });
    expect(all.get(dropped.name)).toEqual({ node: null });
    const single = await w.provider.observe([moved, dropped]);
    expect(single.get(moved.name)).toEqual(all.get(moved.name));
    expect(single.get(dropped.name)).toEqual(all.get(dropped.name));
  });
});
