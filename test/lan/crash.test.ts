import { describe, expect, it } from 'vitest';
import { labClusters } from './harness';

// Three nodes from examples/lan (default peer timers: heartbeat 200 ms, deadAfter 600 ms), web on
// n1. The owner dies in three ways; every time the VIP must come back on another host and no two
// hosts may carry it at once. Bounds are generous: figures are bench/lan.ts's job.
const clusters = labClusters();

describe('peer mode on a LAN: the owner dies', () => {
  it('kill -9: the fence removes the address at once, a peer takes over after deadAfter, never two at once', async () => {
    const c = await clusters.webOnH1();
    const run = await c.probe({ vip: 'web', limitMs: 20_000 }, async (mark, client) => {
      mark('kill');
      c.agent('n1').signal('SIGKILL');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
      await c.until(
        'the client to be answered by it',
        () => ['h2', 'h3'].includes(client.lastAnswer()?.by ?? ''),
        5000,
      );
    });
    const r = run.phase('kill');
    console.log(`kill -9: ${run.summary()}`);
    expect(r.recovered, c.report()).toBe(true);
    expect(r.outageMs, c.report()).toBeGreaterThan(0);
    expect(r.outageMs, c.report()).toBeLessThan(3000);
    expect(['h2', 'h3']).toContain(r.firstAnswerAfterOutage?.by);
    expect(c.holders('web')).toHaveLength(1);
    // The fence, not the dead agent, removed it: h1 no longer carries web.
    expect(c.holders('web')).not.toContain('h1');
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(c.problems()).toEqual([]);
  }, 60_000);

  it('SIGSTOP: the fence removes the address within the quorum lease, a peer claims after deadAfter; after SIGCONT the old owner does not take it back', async () => {
    const c = await clusters.webOnH1();
    const run = await c.probe({ vip: 'web', limitMs: 25_000 }, async (mark) => {
      mark('stop');
      c.agent('n1').signal('SIGSTOP');
      // The frozen agent cannot remove anything itself: only its fence can.
      await c.until('the fence to remove web from h1', () => !c.holders('web').includes('h1'), 5000);
      mark('fenced');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      mark('cont');
      c.agent('n1').signal('SIGCONT');
      // Long enough for the resumed agent to run, hear its peers and settle (several deadAfters).
      await new Promise((r) => setTimeout(r, 3000));
    });
    console.log(`SIGSTOP/SIGCONT:\n${run.summary()}`);
    const stop = run.phase('stop');
    const fencedAfter = run.marks.get('fenced')! - run.marks.get('stop')!;
    expect(fencedAfter, c.report()).toBeLessThan(2000);
    const outage = run.since('stop');
    expect(outage.recovered, c.report()).toBe(true);
    expect(outage.outageMs, c.report()).toBeLessThan(3000);
    expect(stop.maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    const cont = run.phase('cont');
    expect(cont.maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(cont.holders, c.report()).toBeLessThanOrEqual(1);
    expect(cont.outageMs, c.report()).toBe(0);
    expect(c.holders('web')).toHaveLength(1);
    expect(c.holders('web')).not.toContain('h1');
    expect(c.agent('n1').done, 'the resumed agent keeps running').toBe(false);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(c.problems()).toEqual([]);
  }, 70_000);

  it('link down: the cut-off owner loses quorum and lets go, a peer takes over; link up: still one holder', async () => {
    const c = await clusters.webOnH1();
    const run = await c.probe({ vip: 'web', limitMs: 25_000 }, async (mark) => {
      mark('down');
      await c.lab.linkDown('h1');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
      await c.until('h1 to let go (no quorum)', () => !c.holders('web').includes('h1'), 5000);
      await new Promise((r) => setTimeout(r, 1000));
      mark('up');
      await c.lab.linkUp('h1');
      await new Promise((r) => setTimeout(r, 3000));
    });
    console.log(`link down/up:\n${run.summary()}`);
    const down = run.phase('down');
    expect(down.recovered, c.report()).toBe(true);
    expect(down.outageMs, c.report()).toBeGreaterThan(0);
    expect(down.outageMs, c.report()).toBeLessThan(3000);
    expect(['h2', 'h3']).toContain(down.firstAnswerAfterOutage?.by);
    const up = run.phase('up');
    expect(up.outageMs, c.report()).toBe(0);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(c.holders('web')).toHaveLength(1);
    expect(c.problems()).toEqual([]);
  }, 70_000);

  it('frozen right after it binds: the fence already knew the address (it is told before the bind), so it still removes it', async () => {
    const c = await clusters.start({ nodes: 3 });
    // React within milliseconds of the kernel's notice, well inside the fence's 100 ms ping period.
    await c.until('h1 to bind web', () => c.holders('web').includes('h1'), 30_000, 2);
    c.agent('n1').signal('SIGSTOP');
    await c.until('the fence to remove web from h1', () => !c.holders('web').includes('h1'), 5000);
    await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
    expect(c.holders('web')).toHaveLength(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    expect(c.problems()).toEqual([]);
  }, 60_000);
});
