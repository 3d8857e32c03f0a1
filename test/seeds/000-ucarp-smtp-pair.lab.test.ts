import { describe, expect, it } from 'vitest';
import { labClusters } from '../lan/harness';
import { seedInLab } from './lab-seed';

// Seed 000's example in the LAN lab: two servers, each preferred for one VIP of the round-robin
// pair. A server crashes: the other answers for both, and never do two hosts answer at once.
const clusters = labClusters();
const seed = seedInLab('examples/seeds/000-ucarp-smtp-pair.yaml');

describe('seed 000 in the LAN lab: a UCARP pair behind round-robin DNS', () => {
  it('each server holds its own VIP; smtp1 crashes and smtp2 answers for both', async () => {
    const c = await clusters.start({ nodes: seed.nodes, base: seed.base });
    await c.waitHolders('vip201', ['h1'], 60_000);
    await c.waitHolders('vip202', ['h2'], 60_000);
    const run = await c.probe({ vip: 'vip201', limitMs: 30_000 }, async (mark, client) => {
      mark('crash');
      c.agent(seed.node('smtp1')).signal('SIGKILL');
      await c.waitHolders('vip201', ['h2'], 10_000);
      await c.until('the client to be answered by h2', () => client.lastAnswer()?.by === 'h2', 5000);
    });
    console.log(`seed 000 in the lab:\n${run.summary()}`);
    const crash = run.phase('crash');
    expect(crash.recovered, c.report()).toBe(true);
    // deadAfter is 600 ms (peer defaults); the rest is the claim, the bind and the ARP.
    expect(crash.outageMs, c.report()).toBeLessThan(3000);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('vip201'), c.report()).toBeLessThanOrEqual(1);
    expect(c.holders('vip202')).toEqual(['h2']);
    expect(c.problems()).toEqual([]);
  }, 150_000);
});
