import { describe, expect, it } from 'vitest';
import { labClusters } from './harness';

// A cut segment: the isolated hosts keep carrier and reach each other, nothing crosses between the
// sides (sim/lab: their bridge ports move to a second bridge). The client and the observer stay
// with the majority.
const clusters = labClusters();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('peer mode on a LAN: partitions', () => {
  it('quorum majority: the isolated owner lets go before the majority takes over; after healing the VIP goes home; never two holders', async () => {
    const c = await clusters.start({ nodes: 3, timers: { preemptDelay: 2000 } });
    await c.waitHolders('web', ['h1'], 30_000);
    const run = await c.probe({ vip: 'web', limitMs: 40_000 }, async (mark) => {
      mark('partition');
      await c.lab.partition(['h1']);
      await c.until('h1 to let go (no quorum)', () => !c.holders('web').includes('h1'), 5000);
      await c.until('the majority to take web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
      await sleep(1000);
      mark('heal');
      await c.lab.heal();
      await c.waitHolders('web', ['h1'], 20_000);
      mark('home');
    });
    console.log(`partition (majority):\n${run.summary()}`);
    const cut = run.phase('partition');
    expect(cut.recovered, c.report()).toBe(true);
    expect(cut.outageMs, c.report()).toBeLessThan(3000);
    expect(['h2', 'h3']).toContain(cut.firstAnswerAfterOutage?.by);
    // The isolated side let go first: the kernels never carried web twice, not even for a moment.
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    // Home only after preemptDelay (h1 must settle and stay healthy), through a short handback.
    expect(run.marks.get('home')! - run.marks.get('heal')!).toBeGreaterThan(c.config.timers.preemptDelay);
    const heal = run.since('heal');
    expect(heal.recovered, c.report()).toBe(true);
    expect(heal.outageMs, c.report()).toBeLessThan(1000);
    expect(heal.segments.at(-1)?.by).toBe('h1');
    // While cut off, h1 said why it held nothing.
    const said = c
      .agent('n1')
      .logs()
      .filter((l) => l.at > run.marks.get('partition')! && l.at < run.marks.get('heal')!);
    expect(
      said.some((l) => String(l.msg).includes('no-quorum')),
      c.report(),
    ).toBe(true);
    expect(c.problems()).toEqual([]);
  }, 90_000);

  it('two nodes with quorum none: both sides serve while cut (as VRRP does); on healing one winner remains at once', async () => {
    const c = await clusters.start({ nodes: 2, quorum: 'none', timers: { preemptDelay: 60_000 } });
    // Whoever got it first (with quorum none nothing waits for the preferred node's check to rise).
    await c.until('one holder of web', () => c.holders('web').length === 1, 30_000);
    const [owner] = c.holders('web') as [string];
    const other = owner === 'h1' ? 'h2' : 'h1';
    const run = await c.probe({ vip: 'web', limitMs: 30_000 }, async (mark) => {
      mark('partition');
      // The owner is cut off with nobody; the client stays with the other, which takes over.
      await c.lab.partition([owner]);
      await c.waitHolders('web', ['h1', 'h2'], 10_000);
      await sleep(1000);
      mark('heal');
      await c.lab.heal();
      await c.until('one holder again', () => c.holders('web').length === 1, 5000);
      mark('resolved');
    });
    console.log(`partition (two nodes, quorum none):\n${run.summary()}`);
    const cut = run.phase('partition');
    expect(cut.recovered, c.report()).toBe(true);
    expect(cut.firstAnswerAfterOutage?.by).toBe(other);
    expect(cut.holders).toBe(2);
    // Rule 5: the highest applied epoch wins, alike on both sides: the takeover's epoch is the higher.
    expect(c.holders('web')).toEqual([other]);
    const resolvedIn = run.marks.get('resolved')! - run.marks.get('heal')!;
    expect(resolvedIn, c.report()).toBeLessThan(3000);
    // After convergence: one holder at every instant, one responder, no outage.
    const after = run.phase('resolved');
    expect(after.holders, c.report()).toBe(1);
    expect(after.maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(after.outageMs, c.report()).toBe(0);
    expect(c.problems()).toEqual([]);
  }, 70_000);
});
