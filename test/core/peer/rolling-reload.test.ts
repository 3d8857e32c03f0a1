import { describe, expect, it } from 'vitest';
import { configDigest } from '../../../core/config';
import { decideAsPeer, EMPTY_PEER_MEMORY } from '../../../core/peer';
import { ROLLING_HOLD_MS, rollingReload } from '../../../core/peer/rolling-reload';
import { lan } from '../../helpers/configs';
import { NOW, up } from '../../helpers/views';

const SETTLED = { ...EMPTY_PEER_MEMORY, quorumSince: 0 };
const timers = { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 2000, minHold: 5000 };
// The reload moves v's preference from n2 to n1 and adds w: n2 holds v under the old config.
const before = lan({ nodes: 3, control: { mode: 'peer' }, timers, vips: [{ name: 'v', preferred: 'n2' }] });
const after = lan({
  nodes: 3,
  control: { mode: 'peer' },
  timers,
  vips: [
    { name: 'v', preferred: 'n1' },
    { name: 'w', preferred: 'n3' },
  ],
});
const OLD = configDigest(before);
const NEW = configDigest(after);
const nodes = new Set(['n1', 'n2', 'n3']);

describe('rollingReload (the rule)', () => {
  const base = { self: 'n1', ownDigest: 'A', nodes, now: NOW, deadAfter: 600 };
  it.each([
    ['all agree', ['A', 'A'], null, { since: null, others: [], holding: false, expired: false }],
    ['a peer on another digest: holding from now', ['A', 'B'], null, { since: NOW, others: ['n3'], holding: true }],
    [
      'still holding inside the bound',
      ['B', 'B'],
      NOW - 1000,
      { since: NOW - 1000, others: ['n2', 'n3'], holding: true },
    ],
    [
      'the bound passed: acting on its own config',
      ['A', 'B'],
      NOW - ROLLING_HOLD_MS,
      { holding: false, expired: true },
    ],
    ['digests agree again: the clock resets', ['A', 'A'], NOW - 5000, { since: null, holding: false }],
  ] as const)('%s', (_name, digests, since, want) => {
    const views = [up('n1', { digest: 'A' }), up('n2', { digest: digests[0] }), up('n3', { digest: digests[1] })];
    expect(rollingReload({ ...base, views, since })).toMatchObject(want);
  });

  it('counts only live peers of this config that report a digest', () => {
    const views = [
      up('n1', { digest: 'A' }),
      up('n2', { digest: 'B', ago: 700 }), // dead (deadAfter 600)
      up('n3', { digest: 'B', leaving: true }),
      up('n4', { digest: 'B' }), // not in this config
      up('n5'), // no digest
    ];
    expect(rollingReload({ ...base, views, since: null })).toMatchObject({ others: [], holding: false });
    expect(
      rollingReload({ ...base, ownDigest: undefined, views: [up('n2', { digest: 'B' })], since: null }).holding,
    ).toBe(false);
  });
});

describe('decideAsPeer during a rolling reload', () => {
  const viewsWith = (digests: Record<string, string>) =>
    ['n1', 'n2', 'n3'].map((id) => ({
      ...up(id, { digest: digests[id]!, held: id === 'n2' ? ['v'] : [] }),
      applied: (id === 'n2' ? { v: 3 } : {}) as Record<string, number>,
    }));
  const decideFor = (self: string, digests: Record<string, string>, memory = SETTLED) =>
    decideAsPeer({
      config: digests[self] === NEW ? after : before,
      self,
      views: viewsWith(digests),
      memory,
      now: NOW,
      startedAt: 0,
      configDigest: digests[self]!,
    });

  it('the race: whichever nodes have reloaded, v stays where it is until every node runs the new config', () => {
    const ids = ['n1', 'n2', 'n3'];
    for (let mask = 1; mask < 7; mask++) {
      const digests = Object.fromEntries(ids.map((id, i) => [id, mask & (1 << i) ? NEW : OLD]));
      for (const self of ids) {
        const d = decideFor(self, digests);
        const where = `${self} with reloaded=${ids.filter((_, i) => mask & (1 << i)).join(',')}`;
        expect(d.unbind, where).toEqual([]);
        expect(d.bind, where).not.toContain('v');
        expect(d.claiming, where).not.toContain('v');
        expect(d.rolling.holding, where).toBe(true);
      }
      // The holder, once reloaded, says it keeps v only because of the rule.
      if (digests.n2 === NEW) expect(decideFor('n2', digests).deferred).toEqual(['v']);
    }
  });

  it('once every node runs the new config the planned move goes ahead (break before make)', () => {
    const all = { n1: NEW, n2: NEW, n3: NEW };
    const holder = decideFor('n2', all);
    expect(holder.decision.moves).toContainEqual(expect.objectContaining({ vip: 'v', to: 'n1', reason: 'preempt' }));
    expect(holder).toMatchObject({ unbind: ['v'], deferred: [], rolling: { holding: false, since: null } });
    expect(decideFor('n1', all).waiting).toEqual([{ vip: 'v', holder: 'n2' }]);
  });

  it('a new VIP comes up while digests differ: its claim is not deferred', () => {
    const d = decideFor('n3', { n1: OLD, n2: OLD, n3: NEW });
    expect(d.rolling.holding).toBe(true);
    expect(d.claiming).toEqual(['w']);
  });

  it('past the bound each node acts on its own config, and says the configs still differ', () => {
    const memory = { ...SETTLED, rollingSince: NOW - ROLLING_HOLD_MS };
    const d = decideFor('n2', { n1: OLD, n2: NEW, n3: OLD }, memory);
    expect(d).toMatchObject({ unbind: ['v'], deferred: [], rolling: { expired: true, holding: false } });
    expect(d.decision.diagnostics.map((x) => x.kind)).toContain('unsafe');
  });

  it('safety is never deferred: a holder without quorum lets go even while digests differ', () => {
    const views = viewsWith({ n1: OLD, n2: NEW, n3: OLD }).map((v) =>
      v.id === 'n2' ? v : { ...v, lastSeen: NOW - 700 },
    );
    const d = decideAsPeer({
      config: after,
      self: 'n2',
      views,
      memory: SETTLED,
      now: NOW,
      startedAt: 0,
      configDigest: NEW,
    });
    expect(d.quorum.ok).toBe(false);
    expect(d.unbind).toEqual(['v']);
  });

  it('a VIP the new config no longer has goes down at once', () => {
    const gone = lan({ nodes: 3, control: { mode: 'peer' }, timers, vips: [{ name: 'w', preferred: 'n3' }] });
    const digests = { n1: OLD, n2: configDigest(gone), n3: OLD };
    const d = decideAsPeer({
      config: gone,
      self: 'n2',
      views: viewsWith(digests),
      memory: SETTLED,
      now: NOW,
      startedAt: 0,
      configDigest: digests.n2,
    });
    expect(d.rolling.holding).toBe(true);
    expect(d.unbind).toEqual(['v']);
  });
});
