import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig, type Config } from '../../../core/config';
import type { NodeView } from '../../../core/decide';
import {
  judgeWitnessed,
  reportDeadline,
  witnessedViews,
  witnessRing,
  type WitnessedRecord,
} from '../../../core/witness';

const NOW = 1_700_000_000_000;

function cluster(n: number, watchers = 3): Config {
  return loadConfig({
    cluster: 'w',
    security: { psk: 'witness-test-psk-0123' },
    control: { mode: 'local', witness: { watchers } },
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i + 1}`, addresses: [`198.18.9.${i + 1}`] })),
  });
}

function view(id: string, lastSeen: number, over: Partial<NodeView> = {}): NodeView {
  return {
    id,
    bootId: `boot-${id}-0001`,
    lastSeen,
    aliveSince: lastSeen - 600_000,
    checks: {},
    held: [],
    draining: false,
    leaving: false,
    ...over,
  };
}

/**
 * Reports as the world makes them: `reaches` the nodes whose reports get through (recently),
 * `hears(w, x)` whether w hears x over UDP. Each reporter says what it sees of the nodes it watches.
 */
function world(
  config: Config,
  reaches: (id: string) => boolean,
  hears: (w: string, x: string) => boolean,
  lastReport = NOW - 1000,
): Map<string, WitnessedRecord> {
  const ring = witnessRing(config);
  const stale = NOW - reportDeadline(config) - 1;
  return new Map(
    config.nodes.map((n) => [
      n.id,
      {
        view: view(n.id, reaches(n.id) ? lastReport : stale),
        watch: Object.fromEntries(
          ring
            .watchedBy(n.id)
            .map((x) => [
              x,
              hears(n.id, x) ? { heard: true, since: NOW - 600_000 } : { heard: false, since: NOW - 5000 },
            ]),
        ),
      },
    ]),
  );
}

function deadOf(config: Config, records: Map<string, WitnessedRecord>): string[] {
  return [...judgeWitnessed({ config, ring: witnessRing(config), records, now: NOW })]
    .filter(([, j]) => !j.alive)
    .map(([id]) => id)
    .sort();
}

describe('the witness ring', () => {
  it('every node watches k others and is watched by k others, the same on every node', () => {
    const c = cluster(10);
    const ring = witnessRing(c);
    expect(ring.k).toBe(3);
    for (const n of c.nodes) {
      expect(ring.watchedBy(n.id)).toHaveLength(3);
      expect(ring.witnessesOf(n.id)).toHaveLength(3);
      for (const x of ring.watchedBy(n.id)) expect(ring.witnessesOf(x)).toContain(n.id);
      for (const x of ring.watchedBy(n.id)) expect(ring.watches(n.id, x)).toBe(true);
      expect(ring.watches(n.id, n.id)).toBe(false);
    }
    expect(witnessRing(cluster(10)).order).toEqual(ring.order);
  });

  it('small clusters: everyone watches everyone else; two nodes watch each other', () => {
    expect(witnessRing(cluster(2)).watchedBy('n1')).toEqual(['n2']);
    const three = witnessRing(cluster(3));
    expect([...three.watchedBy('n2')].sort()).toEqual(['n1', 'n3']);
  });

  it('neighbours share a zone except at the zone boundaries', () => {
    const c = loadConfig({
      cluster: 'z',
      security: { psk: 'witness-test-psk-0123' },
      nodes: Array.from({ length: 12 }, (_, i) => ({
        id: `n${i}`,
        addresses: [`198.18.9.${i + 1}`],
        aws: { az: `us-east-1${'abc'[i % 3]}` },
      })),
    });
    const ring = witnessRing(c);
    const zone = new Map(c.nodes.map((n) => [n.id, n.aws!.az]));
    const crossing = ring.order
      .flatMap((id) => ring.watchedBy(id).map((x) => zone.get(id) !== zone.get(x)))
      .filter(Boolean).length;
    // 12 nodes × 3 links, of which only those reaching over one of the 3 boundaries cross: 3 × (1+2+3).
    expect(crossing).toBe(18);
    expect(crossing).toBeLessThan(36);
  });
});

describe('witnessed liveness: the judge', () => {
  const all = () => true;

  it('a crashed node: its witnesses find it silent, a majority of them counts, it is dead when last heard', () => {
    const c = cluster(5);
    const records = world(c, all, (_w, x) => x !== 'n3');
    expect(deadOf(c, records)).toEqual(['n3']);
    const j = judgeWitnessed({ config: c, ring: witnessRing(c), records, now: NOW }).get('n3')!;
    expect(j).toMatchObject({ alive: false, by: 'witnesses', lastHeard: NOW - 5000 });
    expect(j.accusers.sort()).toEqual([...witnessRing(c).witnessesOf('n3')].sort());
    const v = witnessedViews({ config: c, ring: witnessRing(c), records, now: NOW }).find((x) => x.id === 'n3')!;
    expect(NOW - v.lastSeen!).toBeGreaterThan(c.timers.deadAfter);
  });

  it('one witness alone does not make a node dead when the others hear it (an asymmetric link)', () => {
    const c = cluster(5);
    const liar = witnessRing(c).witnessesOf('n2')[0]!;
    expect(
      deadOf(
        c,
        world(c, all, (w, x) => !(w === liar && x === 'n2')),
      ),
    ).toEqual([]);
  });

  it('two nodes that cannot hear each other but both reach the control plane: neither is dead', () => {
    const c = cluster(2, 1);
    expect(
      deadOf(
        c,
        world(c, all, () => false),
      ),
    ).toEqual([]);
  });

  it("two nodes, one crashed: the survivor's word is enough", () => {
    const c = cluster(2, 1);
    // n1 crashed; its last report, from before, still says it heard n2: that links the two, and
    // n2, which no longer hears n1, is believed.
    const records = world(c, all, (w) => w === 'n1');
    expect(deadOf(c, records)).toEqual(['n1']);
  });

  it('a node whose reports stopped is dead after the report deadline, whatever its witnesses say', () => {
    const c = cluster(4);
    expect(
      deadOf(
        c,
        world(c, (id) => id !== 'n4', all),
      ),
    ).toEqual(['n4']);
    expect(reportDeadline(c)).toBe(2 * 5_000 + 600);
  });

  it('a node cut off from its peers but not from the control plane: its word against the others counts for nothing', () => {
    const c = cluster(5);
    const isolated = 'n1';
    expect(
      deadOf(
        c,
        world(c, all, (w, x) => w !== isolated && x !== isolated),
      ),
    ).toEqual([isolated]);
  });

  it('witnesses that died with the node do not keep it alive (rack failure)', () => {
    const c = cluster(7);
    const ring = witnessRing(c);
    const x = 'n4';
    const [w1, w2] = ring.witnessesOf(x);
    const dead = new Set([x, w1!, w2!]);
    // The dead stopped hearing and reporting; their last reports (fresh) said they heard everyone.
    const records = world(c, all, (w, y) => dead.has(w) || !dead.has(y));
    expect(deadOf(c, records)).toEqual([...dead].sort());
  });

  it('a returning node counts as alive since its witnesses heard it again, not since its old run', () => {
    const c = cluster(3);
    const records = world(c, all, all);
    for (const r of records.values()) for (const w of Object.values(r.watch!)) w.since = NOW - 2000;
    const v = witnessedViews({ config: c, ring: witnessRing(c), records, now: NOW });
    for (const x of v) expect(x).toMatchObject({ lastSeen: NOW, aliveSince: NOW - 2000 });
  });

  it('a leaving node is left to decide(): its view says leaving', () => {
    const c = cluster(3);
    const records = world(c, all, all);
    records.get('n2')!.view = { ...records.get('n2')!.view, leaving: true };
    const v = witnessedViews({ config: c, ring: witnessRing(c), records, now: NOW }).find((x) => x.id === 'n2')!;
    expect(v.leaving).toBe(true);
  });
});

describe('witnessed liveness: properties over arbitrary partitions and crashes', () => {
  /** A world: n nodes, some crashed, some cut from the control plane, and a partition of the rest into sides. */
  const worlds = fc.integer({ min: 2, max: 9 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      watchers: fc.integer({ min: 1, max: 4 }),
      side: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
      crashed: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      cutFromControl: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    }),
  );

  it('nodes that reach the control plane and hear each other are never judged dead, and a side without a majority never kills anyone', () => {
    fc.assert(
      fc.property(worlds, (w) => {
        const c = cluster(w.n, w.watchers);
        const id = (i: number) => `n${i + 1}`;
        const index = (x: string) => Number(x.slice(1)) - 1;
        const up = (x: string) => !w.crashed[index(x)]!;
        const hears = (a: string, b: string) => (up(a) ? up(b) && w.side[index(a)] === w.side[index(b)] : true); // the crashed last said "heard"
        const reaches = (x: string) =>
          !(w.crashed[index(x)]! && w.cutFromControl[index(x)]!) && !(up(x) && w.cutFromControl[index(x)]!);
        const dead = new Set(deadOf(c, world(c, reaches, hears)));
        for (let i = 0; i < w.n; i++) {
          const x = id(i);
          if (!up(x) || !reaches(x)) continue;
          // x is up and reports: it may only be dead if a majority side (of live, reporting nodes
          // that hear each other) other than its own exists: a minority never causes a move.
          const sideSize = (s: number) =>
            Array.from({ length: w.n }, (_, j) => j).filter((j) => w.side[j] === s && up(id(j)) && reaches(id(j)))
              .length;
          if (dead.has(x)) expect(sideSize(w.side[i]!) * 2).toBeLessThanOrEqual(w.n);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('two nodes in any partition: their VIPs are never all given away while both reach the control plane', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (aHearsB, bHearsA) => {
        const c = cluster(2, 1);
        const dead = deadOf(
          c,
          world(
            c,
            () => true,
            (w) => (w === 'n1' ? aHearsB : bHearsA),
          ),
        );
        expect(dead.length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('a crashed owner whose witnesses are up and reporting is judged dead at once (deadAfter plus one report)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.nat(), (n, watchers, pick) => {
        const c = cluster(n, watchers);
        const x = `n${(pick % n) + 1}`;
        expect(
          deadOf(
            c,
            world(
              c,
              () => true,
              (w, y) => w === x || y !== x,
            ),
          ),
        ).toEqual([x]);
      }),
    );
  });
});
