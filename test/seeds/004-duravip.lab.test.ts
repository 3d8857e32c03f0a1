import { describe, expect, it } from 'vitest';
import { labClusters } from '../lan/harness';
import { seedInLab } from './lab-seed';

// Seed 004's example in the LAN lab: three MTAs, /32 bindings plumbed by the topology, a listener
// that follows its binding. The binding's node crashes: binding and listener move together to one
// survivor, which answers for the listener; the other bindings stay where they were.
const clusters = labClusters();
const seed = seedInLab('examples/seeds/004-duravip.yaml');

describe('seed 004 in the LAN lab: DuraVIP bindings, preference and follow', () => {
  it('mta2 crashes: bindingname and its listener move together, the client is answered, duravip-1 stays on mta1', async () => {
    const c = await clusters.start({ nodes: seed.nodes, base: seed.base });
    await c.waitHolders('duravip-1', ['h1'], 60_000);
    await c.waitHolders('bindingname', ['h2'], 60_000);
    await c.waitHolders('listener-1', ['h2'], 60_000);
    const run = await c.probe({ vip: 'listener-1', limitMs: 30_000 }, async (mark, client) => {
      mark('crash');
      c.agent(seed.node('mta2')).signal('SIGKILL');
      await c.until(
        'bindingname and listener-1 on one survivor',
        () =>
          c.holders('bindingname').length === 1 &&
          c.holders('bindingname').join() === c.holders('listener-1').join() &&
          c.holders('listener-1')[0] !== 'h2',
        10_000,
      );
      const to = c.holders('listener-1')[0];
      await c.until(`the client to be answered by ${to}`, () => client.lastAnswer()?.by === to, 5000);
    });
    console.log(`seed 004 in the lab:\n${run.summary()}`);
    const crash = run.phase('crash');
    expect(crash.recovered, c.report()).toBe(true);
    expect(crash.outageMs, c.report()).toBeLessThan(3000);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('listener-1'), c.report()).toBeLessThanOrEqual(1);
    expect(c.holders('duravip-1')).toEqual(['h1']);
    // A /32, as the topology's cidrmask says, on the interface the topology names.
    const addrs = await c.lab.exec('h1', 'ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    expect(addrs.stdout).toContain(`${seed.address.get('duravip-1')}/32`);
    expect(c.problems()).toEqual([]);
  }, 150_000);
});
