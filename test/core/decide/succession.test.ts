import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type NodeView } from '../../../core/decide';
import { decideAsPeer, EMPTY_PEER_MEMORY } from '../../../core/peer';
import { lan } from '../../helpers/configs';
import { NOW, owned, silent, up } from '../../helpers/views';

// Order of succession: `preferred: [n2, n3]` means n2 whenever it can, else n3, else the least
// loaded of the nodes not listed (n1, n4), which stand after every listed node and equal among
// themselves. A single `preferred: n1` is the list of one it always was.
const four = lan({
  nodes: 4,
  vips: [
    { name: 'v', preferred: ['n2', 'n3'] },
    { name: 'w', preferred: 'n1' },
  ],
});
const steady = (id: string) => up(id, { upFor: 3_600_000 });
const fresh = (id: string) => up(id, { upFor: 1000 });
const dead = (id: string) => silent(id, 60_000);

function run(nodes: NodeView[], current: Record<string, string | null>, cfg = four) {
  return decide({ config: cfg, nodes, assignments: owned(current), now: NOW });
}

describe('order of succession: placement', () => {
  it.each([
    ['all up', [steady('n1'), steady('n2'), steady('n3'), steady('n4')], 'n2'],
    ['the first dead: the second', [steady('n1'), dead('n2'), steady('n3'), steady('n4')], 'n3'],
    [
      'both listed dead: the least loaded unlisted (n1 carries w)',
      [steady('n1'), dead('n2'), dead('n3'), steady('n4')],
      'n4',
    ],
    ['only an unlisted node left', [steady('n1'), dead('n2'), dead('n3'), dead('n4')], 'n1'],
  ])('an unowned VIP, %s', (_, nodes, to) => {
    const d = run(nodes, { v: null, w: 'n1' });
    expect(d.assignments[0]!.node).toBe(to);
    expect(d.reasons.v!.code).toBe('claim');
  });

  it.each([
    [
      'the first dies: the second, not the lighter unlisted',
      'n2',
      [steady('n1'), dead('n2'), steady('n3'), steady('n4')],
      'n3',
    ],
    [
      'the second dies while the first is back: the first',
      'n3',
      [steady('n1'), steady('n2'), dead('n3'), steady('n4')],
      'n2',
    ],
    ['an unlisted owner dies: the first listed', 'n4', [steady('n1'), steady('n2'), steady('n3'), dead('n4')], 'n2'],
  ])('a forced move, %s', (_, from, nodes, to) => {
    const d = run(nodes, { v: from, w: 'n1' });
    expect(d.moves).toEqual([expect.objectContaining({ vip: 'v', from, to, reason: 'owner-dead' })]);
  });
});

describe('order of succession: preemption climbs it', () => {
  it.each([
    ['on n4, both listed steady: to the first', 'n4', [steady('n2'), steady('n3')], 'n2', 'n2 (preferred) healthy for'],
    [
      'on n4, the first still settling: to the steady second',
      'n4',
      [fresh('n2'), steady('n3')],
      'n3',
      'n3 (#2 in preferred) healthy for',
    ],
    ['on n3, the first steady: to the first', 'n3', [steady('n2'), steady('n3')], 'n2', 'n2 (preferred) healthy for'],
  ])('%s', (_, from, listed, to, detail) => {
    const d = run([steady('n1'), ...listed, steady('n4')], { v: from, w: 'n1' });
    expect(d.moves).toEqual([expect.objectContaining({ vip: 'v', from, to, reason: 'preempt' })]);
    expect(d.moves[0]!.detail).toContain(detail);
  });

  it('waits on n3 while the first has been healthy for less than preemptDelay, and never goes down', () => {
    expect(run([steady('n1'), fresh('n2'), steady('n3'), steady('n4')], { v: 'n3', w: 'n1' }).moves).toEqual([]);
    expect(run([steady('n1'), fresh('n2'), fresh('n3'), steady('n4')], { v: 'n4', w: 'n1' }).moves).toEqual([]);
  });

  it('preempt: false keeps it where it is', () => {
    const cfg = lan({ nodes: 4, vips: [{ name: 'v', preferred: ['n2', 'n3'], preempt: false }] });
    expect(run([steady('n1'), steady('n2'), steady('n3'), steady('n4')], { v: 'n4' }, cfg).moves).toEqual([]);
  });
});

describe('order of succession: balancing never goes down it', () => {
  const nodes = [dead('n1'), steady('n2'), steady('n3')];
  it('VIPs on their second choice stay, however loaded; VIPs on an unlisted node spread', () => {
    // n1 (everyone's first) is dead. a..d list [n1, n2]: n2 is their second choice, so they stay on
    // it even though n3 is empty. e..h prefer only n1: n2 is unlisted for them, as n3 is, so they balance.
    const listed = ['a', 'b', 'c', 'd'].map((name) => ({ name, preferred: ['n1', 'n2'] }));
    const single = ['e', 'f', 'g', 'h'].map((name) => ({ name, preferred: 'n1' }));
    const cfg = lan({ nodes: 3, timers: { rebalanceCap: 8 }, vips: [...listed, ...single] });
    const d = run(nodes, Object.fromEntries([...listed, ...single].map((v) => [v.name, 'n2'])), cfg);
    expect(d.moves.map((m) => m.vip).sort()).toEqual(['e', 'f', 'g', 'h'].slice(0, d.moves.length));
    expect(d.moves.every((m) => m.reason === 'rebalance' && m.to === 'n3')).toBe(true);
    expect(d.moves.length).toBeGreaterThan(0);
  });

  it('no sideways move to an unlisted node while a listed one is a candidate', () => {
    // x prefers n1 but sits on n3 (preempt off); n1 is busy; n2 is empty. Balance may take x home
    // to n1 only when n1 is lighter; it never parks x on n2, which x does not list.
    const cfg = lan({
      nodes: 3,
      timers: { rebalanceCap: 4 },
      vips: [
        { name: 'x', preferred: 'n1', preempt: false },
        ...['p', 'q', 'r', 's'].map((name) => ({ name, eligible: { nodes: ['n1', 'n3'] } })),
      ],
    });
    const d = run([steady('n1'), steady('n2'), steady('n3')], { x: 'n3', p: 'n1', q: 'n1', r: 'n3', s: 'n3' }, cfg);
    expect(d.moves.filter((m) => m.vip === 'x')).toEqual([]);
  });
});

describe('order of succession in peer mode', () => {
  const peer = lan({
    nodes: 3,
    control: { mode: 'peer', quorum: 'none' },
    vips: [{ name: 'v', preferred: ['n3', 'n1'] }],
  });
  // Settled: quorum (trivially, with quorum none) for a minute, so the node may claim and hold.
  const settled = { ...EMPTY_PEER_MEMORY, quorumSince: NOW - 60_000 };
  const heard = (id: string, held: string[], applied = 1) => ({
    ...up(id, { held }),
    applied: Object.fromEntries(held.map((v) => [v, applied])),
  });

  it('two holders with equal epochs: the one earlier in the order keeps it, though later in config order', () => {
    // n2 (first) is dead; n3 (second) and n1 (unlisted, first in config order) both hold v.
    const cfg = lan({
      nodes: 3,
      control: { mode: 'peer', quorum: 'none' },
      vips: [{ name: 'v', preferred: ['n2', 'n3'] }],
    });
    const views = [heard('n1', ['v']), silent('n2', 60_000), heard('n3', ['v'])];
    const asN1 = decideAsPeer({ config: cfg, self: 'n1', views, memory: settled, now: NOW, startedAt: NOW - 60_000 });
    const asN3 = decideAsPeer({ config: cfg, self: 'n3', views, memory: settled, now: NOW, startedAt: NOW - 60_000 });
    expect(asN1.unbind).toEqual(['v']);
    expect(asN3.unbind).toEqual([]);
  });

  it('the holder dies: the second in the order claims, not the first in config order', () => {
    const views = [heard('n1', []), heard('n2', []), { ...silent('n3', 60_000), held: ['v'] }];
    const asN1 = decideAsPeer({ config: peer, self: 'n1', views, memory: settled, now: NOW, startedAt: NOW - 60_000 });
    const asN2 = decideAsPeer({ config: peer, self: 'n2', views, memory: settled, now: NOW, startedAt: NOW - 60_000 });
    expect(asN1.claiming).toEqual(['v']);
    expect(asN2.claiming).toEqual([]);
  });
});

/** Random clusters where each VIP lists some nodes in a random order; some nodes dead or settling. */
const scenario = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    vips: fc.array(
      fc.record({
        order: fc.shuffledSubarray(
          Array.from({ length: n }, (_, i) => i),
          { minLength: 1 },
        ),
        owner: fc.integer({ min: -1, max: n - 1 }),
        preempt: fc.boolean(),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    state: fc.array(fc.constantFrom('steady', 'fresh', 'dead'), { minLength: n, maxLength: n }),
  }),
);

describe('order of succession: properties', () => {
  it('a VIP that moves goes to a listed node whenever one can take it, and forced moves to the best one', () => {
    fc.assert(
      fc.property(scenario, ({ n, vips, state }) => {
        const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
        const cfg = lan({
          nodes: n,
          vips: vips.map((v, i) => ({ name: `v${i}`, preferred: v.order.map((k) => ids[k]!), preempt: v.preempt })),
        });
        const views = ids.map((id, i) =>
          state[i] === 'dead' ? dead(id) : state[i] === 'fresh' ? fresh(id) : steady(id),
        );
        const d = run(
          views,
          Object.fromEntries(vips.map((v, i) => [`v${i}`, v.owner < 0 ? null : ids[v.owner]!])),
          cfg,
        );
        for (const m of d.moves) {
          const order = vips[Number(m.vip.slice(1))]!.order.map((k) => ids[k]!);
          const candidates = order.filter((id) => state[ids.indexOf(id)] !== 'dead');
          if (candidates.length === 0) continue;
          expect(order, `${m.vip} went to unlisted ${m.to} while ${candidates.join(', ')} could take it`).toContain(
            m.to,
          );
          if (m.reason !== 'preempt' && m.reason !== 'rebalance') expect(m.to).toBe(candidates[0]);
          // Never down the order: a move lands above where the VIP was (or anywhere, from an unlisted or dead owner).
          if (m.from !== null && order.includes(m.from) && state[ids.indexOf(m.from)] !== 'dead')
            expect(order.indexOf(m.to!)).toBeLessThan(order.indexOf(m.from));
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('with every node steady and preemption on, each VIP sits on the first of its order; remove the first, the second', () => {
    fc.assert(
      fc.property(scenario, ({ n, vips }) => {
        const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
        const cfg = lan({
          nodes: n,
          vips: vips.map((v, i) => ({ name: `v${i}`, preferred: v.order.map((k) => ids[k]!) })),
        });
        const current = Object.fromEntries(vips.map((v, i) => [`v${i}`, v.owner < 0 ? null : ids[v.owner]!]));
        const all = run(ids.map(steady), current, cfg);
        vips.forEach((v, i) => expect(all.assignments[i]!.node).toBe(ids[v.order[0]!]));
        // Each VIP's first choice gone at once (a different node per VIP is not needed: kill them all).
        const firsts = new Set(vips.map((v) => v.order[0]!));
        const survivors = ids.filter((_, k) => !firsts.has(k));
        if (survivors.length === 0) return;
        const after = run(
          ids.map((id, k) => (firsts.has(k) ? dead(id) : steady(id))),
          Object.fromEntries(all.assignments.map((a) => [a.vip, a.node])),
          cfg,
        );
        vips.forEach((v, i) => {
          const next = v.order.find((k) => !firsts.has(k));
          if (next !== undefined) expect(after.assignments[i]!.node).toBe(ids[next]);
          else expect(survivors).toContain(after.assignments[i]!.node);
        });
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});
