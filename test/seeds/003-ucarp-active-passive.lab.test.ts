import { describe, expect, it } from 'vitest';
import { labClusters } from '../lan/harness';
import { seedInLab } from './lab-seed';

// Seed 003's example in the LAN lab, with its own timers (1 s heartbeats, so deadAfter 3 s):
// server1, the master, crashes; server2 takes the VIP and answers, never two hosts at once.
// (The return and preemption are test/lan/return.test.ts's, on the lab's shorter timers.)
const clusters = labClusters();
const seed = seedInLab('examples/seeds/003-ucarp-active-passive.yaml');

describe('seed 003 in the LAN lab: an active/passive UCARP pair', () => {
  it('server1 crashes: server2 takes the VIP within deadAfter and a little, never two responders', async () => {
    const c = await clusters.start({ nodes: seed.nodes, base: seed.base });
    await c.waitHolders('smtp', ['h1'], 60_000);
    const run = await c.probe({ vip: 'smtp', limitMs: 30_000 }, async (mark, client) => {
      mark('crash');
      c.agent(seed.node('server1')).signal('SIGKILL');
      await c.waitHolders('smtp', ['h2'], 15_000);
      await c.until('the client to be answered by h2', () => client.lastAnswer()?.by === 'h2', 5000);
    });
    console.log(`seed 003 in the lab:\n${run.summary()}`);
    const crash = run.phase('crash');
    expect(crash.recovered, c.report()).toBe(true);
    // deadAfter 3 s, then the claim, the bind and the ARP.
    expect(crash.outageMs, c.report()).toBeLessThan(6000);
    expect(crash.segments.at(-1)?.by).toBe('h2');
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('smtp'), c.report()).toBeLessThanOrEqual(1);
    expect(c.problems()).toEqual([]);
  }, 150_000);
});
