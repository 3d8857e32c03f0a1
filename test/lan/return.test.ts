import { describe, expect, it } from 'vitest';
import { labClusters } from './harness';

// The preferred owner comes back: it settles, stays healthy for preemptDelay (2 s here instead of
// 10 s, to keep the suite short), then the VIP goes home break-before-make: the holder lets go,
// says so at once, and only then does the preferred node bind.
const clusters = labClusters();

describe('peer mode on a LAN: the owner returns', () => {
  it('preempts after preemptDelay, with a short break-before-make handback and never two responders', async () => {
    const c = await clusters.start({ nodes: 3, timers: { preemptDelay: 2000 } });
    await c.waitHolders('web', ['h1'], 30_000);
    const run = await c.probe({ vip: 'web', limitMs: 50_000 }, async (mark, client) => {
      mark('kill');
      c.agent('n1').signal('SIGKILL');
      await c.until('a survivor to hold web', () => ['h2', 'h3'].includes(c.holders('web')[0] ?? ''), 10_000);
      await c.until(
        'the client to be answered by it',
        () => ['h2', 'h3'].includes(client.lastAnswer()?.by ?? ''),
        5000,
      );
      await c.agent('n1').exited(5000);
      mark('restart');
      c.startAgent('n1');
      await c.waitHolders('web', ['h1'], 25_000);
      mark('home');
    });
    console.log(`owner returns:\n${run.summary()}`);
    const away = run.phase('kill');
    expect(away.recovered, c.report()).toBe(true);
    const restart = run.since('restart');
    // Not before preemptDelay: the returning node has to start, settle, pass its check twice and
    // then stay healthy for 2 s before the holder lets go.
    expect(run.marks.get('home')! - run.marks.get('restart')!).toBeGreaterThan(c.config.timers.preemptDelay);
    expect(restart.recovered, c.report()).toBe(true);
    expect(restart.outageMs, c.report()).toBeLessThan(1000);
    expect(restart.segments.at(-1)?.by).toBe('h1');
    expect(run.since('restart').maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
    expect(c.maxHolders('web'), c.report()).toBeLessThanOrEqual(1);
    // Stable at home: still h1 a moment later.
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.holders('web')).toEqual(['h1']);
    expect(c.problems()).toEqual([]);
  }, 100_000);
});
