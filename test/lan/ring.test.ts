import { describe, expect, it } from 'vitest';
import type { ResponderWatch } from '../../sim/lab';
import { hostOf, labClusters, type LanCluster, type LanVip } from './harness';
import type { ClientView, Probing } from './probing';

// Seed 001's ring: five hosts, ten VIPs, each host preferred by two (carp0 and carp5 on n1, …).
// Two deaths leave three hosts: the survivors share the ten within one (4/3/3).
// The seed runs CARP, which has no quorum: with `quorum: none` a third death leaves two hosts that
// share all ten 5/5 (where CARP's ring piled four onto mail04), and all go home on return.
// With `quorum: majority` (the default from three nodes) a third death leaves two of five: no
// quorum, and (docs/peer-mode.md, rule 2) a node without quorum holds nothing, because it cannot
// tell "three hosts died" from "I am the minority side of a cut" — so the survivors release what
// they held and claim nothing until the others return. That is the price of never splitting.
const clusters = labClusters();

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];
const VIPS: LanVip[] = Array.from({ length: 10 }, (_, k) => ({
  name: `carp${k}`,
  address: `198.18.0.${50 + k}`,
  preferred: NODES[k % 5]!,
}));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function load(c: LanCluster): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of VIPS) for (const h of c.holders(v.name)) out.set(h, (out.get(h) ?? 0) + 1);
  return out;
}

const home = (c: LanCluster) => VIPS.every((v) => c.holders(v.name).join() === hostOf(v.preferred!));

describe("peer mode on a LAN: seed 001's ring of five", () => {
  it('quorum none (as CARP): two deaths 4/3/3, three deaths 5/5, never two responders; all go home on return', async () => {
    const { c, run } = await ring('none', async (c, client) => {
      await killAndSpread(c, ['n3'], ['h4', 'h5'], [5, 5]);
      await c.until(
        'the client to be answered for carp0 again',
        () => ['h4', 'h5'].includes(client.lastAnswer()?.by ?? ''),
        5000,
      );
    });
    expect(run.phase('third dies').recovered, c.report()).toBe(true);
    expect(run.phase('third dies').outageMs, c.report()).toBeLessThan(3000);
  }, 180_000);

  it('quorum majority: two deaths 4/3/3; a third: no quorum, nothing held or claimed, diagnostics say so; all go home on return', async () => {
    await ring('majority', async (c) => {
      c.agent('n3').signal('SIGKILL');
      await c.until(
        'the two survivors, without quorum, to release everything',
        () => VIPS.every((v) => c.holders(v.name).length === 0),
        5000,
      );
      await sleep(1500);
      // Still nothing: no new claims without a majority.
      expect(load(c).size, c.report()).toBe(0);
      for (const n of ['n4', 'n5']) {
        const s = await c.status(n);
        expect(s.held).toEqual([]);
        expect(s.peer.quorum).toMatchObject({ ok: false, heard: 2, needed: 3 });
        expect(
          s.peer.diagnostics.some((d) => d.startsWith('no-quorum')),
          JSON.stringify(s.peer.diagnostics),
        ).toBe(true);
      }
    });
  }, 180_000);
});

/**
 * The ring's run: every VIP home, then n1 and n2 die (the survivors must share the ten 4/3/3 and
 * carp0's client be answered within 3 s), then `thirdDies` (n3's death, as the quorum setting
 * makes it), then all three return and every VIP goes home; one responder and one holder per VIP
 * at every instant throughout.
 */
async function ring(
  quorum: 'none' | 'majority',
  thirdDies: (c: LanCluster, client: ClientView) => Promise<void>,
): Promise<{ c: LanCluster; run: Probing }> {
  const c = await clusters.start({ nodes: 5, vips: VIPS, quorum, timers: { preemptDelay: 2000 } });
  await c.until('every VIP on its preferred host', () => home(c), 45_000);
  const watches = watchAllBut(c, 'carp0');
  const run = await c.probe({ vip: 'carp0', limitMs: 90_000, arpProcesses: 2 }, async (mark, client) => {
    mark('two die');
    await killAndSpread(c, ['n1', 'n2'], ['h3', 'h4', 'h5'], [3, 3, 4]);
    await c.until(
      'the client to be answered for carp0 again',
      () => ['h3', 'h4', 'h5'].includes(client.lastAnswer()?.by ?? ''),
      5000,
    );
    mark('third dies');
    await thirdDies(c, client);
    mark('return');
    await restart(c, ['n1', 'n2', 'n3']);
    await c.until('every VIP home again', () => home(c), 40_000);
  });
  console.log(`ring (quorum ${quorum}):\n${run.summary()}`);
  expect(run.phase('two die').recovered, c.report()).toBe(true);
  expect(run.phase('two die').outageMs, c.report()).toBeLessThan(3000);
  await expectOneAtATime(c, run, watches);
  return { c, run };
}

/** ARP watches for every VIP but the probed one (the probe watches that one itself). */
function watchAllBut(c: LanCluster, probed: string): Map<string, ResponderWatch> {
  const out = new Map<string, ResponderWatch>();
  for (const v of VIPS)
    if (v.name !== probed)
      out.set(v.name, c.lab.watchResponders(c.address(v.name), { durationMs: 120_000, processes: 1 }));
  return out;
}

/** Kills `nodes` and waits until `survivors` hold all ten, one holder each, spread as `shares` (ascending). */
async function killAndSpread(c: LanCluster, nodes: string[], survivors: string[], shares: number[]): Promise<void> {
  for (const n of nodes) c.agent(n).signal('SIGKILL');
  await c.until(
    `${survivors.join(', ')} to hold all ten`,
    () => VIPS.every((v) => c.holders(v.name).length === 1 && survivors.includes(c.holders(v.name)[0]!)),
    15_000,
  );
  const spread = survivors.map((h) => load(c).get(h) ?? 0).sort((a, b) => a - b);
  expect(spread, c.report()).toEqual(shares);
}

async function restart(c: LanCluster, nodes: string[]): Promise<void> {
  for (const n of nodes) {
    await c.agent(n).exited(5000);
    c.startAgent(n);
  }
}

/** At most one responder (ARP and UDP) and one kernel holder per VIP at every instant of the run. */
async function expectOneAtATime(c: LanCluster, run: Probing, watches: Map<string, ResponderWatch>): Promise<void> {
  const rounds = await Promise.all([...watches].map(async ([vip, w]) => [vip, await w.stop()] as const));
  expect(run.whole().maxDistinctResponders, c.report()).toBeLessThanOrEqual(1);
  for (const [vip, r] of rounds)
    expect(Math.max(0, ...r.map((x) => new Set(x.hosts).size)), `${vip}\n${c.report()}`).toBeLessThanOrEqual(1);
  for (const v of VIPS) expect(c.maxHolders(v.name), `${v.name}\n${c.report()}`).toBeLessThanOrEqual(1);
  expect(c.problems()).toEqual([]);
}
