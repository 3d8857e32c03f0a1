import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAsPeer, EMPTY_PEER_MEMORY, quorumLease } from '../../core/peer';
import { PeerSim } from '../../sim/peer-sim';
import { lan } from '../helpers/configs';
import { NOW, silent, up } from '../helpers/views';

/** A node that has had quorum for long. */
const SETTLED = { ...EMPTY_PEER_MEMORY, quorumSince: 0 };

const trio = lan({
  nodes: 3,
  control: { mode: 'peer' },
  timers: { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 2000, minHold: 5000 },
  vips: [{ name: 'v', preferred: 'n1' }],
});

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

describe('decideAsPeer', () => {
  it('claims a VIP decided for this node that nobody holds, and binds it after the holdoff', () => {
    const views = [up('n1'), up('n2'), up('n3')];
    const d = decideAsPeer({ config: trio, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(d).toMatchObject({ bind: [], claiming: ['v'], wakeAt: NOW + trio.timers.claimHoldoff });
    expect(d.quorum).toMatchObject({ ok: true, heard: 3, needed: 2 });
    const later = views.map((v) => ({ ...v, lastSeen: NOW + 20 }));
    const after = decideAsPeer({
      config: trio,
      self: 'n1',
      views: later,
      memory: d.memory,
      now: NOW + 20,
      startedAt: 0,
    });
    expect(after).toMatchObject({ bind: ['v'], claiming: [] });
  });

  it('never starts a claim another node has announced, and crossing claims resolve alike on both sides', () => {
    const free = lan({ nodes: 3, control: { mode: 'peer' }, vips: [{ name: 'v', eligible: { nodes: ['n2', 'n3'] } }] });
    const claimingN3 = [up('n1'), up('n2'), { ...up('n3'), claiming: ['v'] }];
    const owner = decideAsPeer({ config: free, self: 'n2', views: claimingN3, memory: SETTLED, now: NOW, startedAt: 0 })
      .decision.assignments[0]!.node;
    const self = owner!;
    const other = self === 'n2' ? 'n3' : 'n2';
    const viewsFor = (claimant: string) => [
      up('n1'),
      ...['n2', 'n3'].map((id) => (id === claimant ? { ...up(id), claiming: ['v'] } : up(id))),
    ];
    // Not yet claiming, and the other already claims: wait.
    expect(
      decideAsPeer({ config: free, self, views: viewsFor(other), memory: SETTLED, now: NOW, startedAt: 0 }),
    ).toMatchObject({ bind: [], claiming: [], waiting: [{ vip: 'v', holder: other }] });
    // Both claimed before hearing each other: config order decides (n2 before n3).
    const crossed = { ...SETTLED, claims: new Map([['v', NOW - free.timers.claimHoldoff]]) };
    const r = decideAsPeer({ config: free, self, views: viewsFor(other), memory: crossed, now: NOW, startedAt: 0 });
    expect(r.bind).toEqual(self === 'n2' ? ['v'] : []);
  });

  it('waits while another live node still holds it (break before make)', () => {
    const views = [up('n1', { upFor: 60_000 }), { ...up('n2', { held: ['v'] }), applied: { v: 3 } }, up('n3')];
    const d = decideAsPeer({ config: trio, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(d.decision.moves).toEqual([expect.objectContaining({ from: 'n2', to: 'n1', reason: 'preempt', epoch: 4 })]);
    expect(d.bind).toEqual([]);
    expect(d.waiting).toEqual([{ vip: 'v', holder: 'n2' }]);
    // …and the holder lets go on its own evaluation.
    const holder = decideAsPeer({ config: trio, self: 'n2', views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(holder.unbind).toEqual(['v']);
  });

  it('claims at once from a dead holder', () => {
    const views = [silent('n1', 700), up('n2'), up('n3')].map((v) => (v.id === 'n1' ? { ...v, held: ['v'] } : v));
    const owner = decideAsPeer({ config: trio, self: 'n2', views, memory: SETTLED, now: NOW, startedAt: 0 }).decision
      .assignments[0]!.node!;
    expect(['n2', 'n3']).toContain(owner);
    expect(
      decideAsPeer({ config: trio, self: owner, views, memory: SETTLED, now: NOW, startedAt: 0 }).claiming,
    ).toEqual(['v']);
  });

  it('releases everything when it has not heard a majority within the quorum lease', () => {
    expect(quorumLease(trio)).toBe(300);
    const views = [{ ...up('n1'), held: ['v'] }, silent('n2', 350), silent('n3', 350)];
    const d = decideAsPeer({ config: trio, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(d.quorum.ok).toBe(false);
    expect(d.unbind).toEqual(['v']);
    expect(d.bind).toEqual([]);
  });

  it('resolves two holders to the same winner on every node: the highest applied epoch', () => {
    const free = lan({ nodes: 3, control: { mode: 'peer' }, vips: [{ name: 'v' }] });
    const views = [
      { ...up('n1'), held: ['v'], applied: { v: 4 } },
      { ...up('n2'), held: ['v'], applied: { v: 5 } },
      up('n3'),
    ];
    const run = (self: string) => decideAsPeer({ config: free, self, views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(['n1', 'n2', 'n3'].map((n) => run(n).decision.assignments[0]!.node)).toEqual(['n2', 'n2', 'n2']);
    expect(run('n1').unbind).toEqual(['v']);
    expect(run('n2').unbind).toEqual([]);
  });

  it('with equal epochs, the preferred node wins', () => {
    const views = [
      { ...up('n1'), held: ['v'], applied: { v: 5 } },
      { ...up('n2'), held: ['v'], applied: { v: 5 } },
      up('n3'),
    ];
    const d = decideAsPeer({ config: trio, self: 'n2', views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(d.decision.assignments[0]!.node).toBe('n1');
    expect(d.unbind).toEqual(['v']);
  });

  it('claims nothing while it is still settling after start or after regaining quorum', () => {
    const views = [up('n1'), up('n2'), up('n3')];
    expect(
      decideAsPeer({ config: trio, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: NOW - 100 }).bind,
    ).toEqual([]);
    const regained = decideAsPeer({
      config: trio,
      self: 'n1',
      views,
      memory: EMPTY_PEER_MEMORY,
      now: NOW,
      startedAt: 0,
    });
    expect(regained.bind).toEqual([]);
    expect(regained.memory.quorumSince).toBe(NOW);
    const later = views.map((v) => ({ ...v, lastSeen: NOW + 600 }));
    expect(
      decideAsPeer({ config: trio, self: 'n1', views: later, memory: regained.memory, now: NOW + 600, startedAt: 0 })
        .claiming,
    ).toEqual(['v']);
  });

  it('holds nothing while settling: after a freeze its own idea of what it holds is what is stale', () => {
    // A resumed agent "holds" v (its last listing said so; its fence has removed it since), and the
    // only peer it has heard is an old queued datagram saying nobody else holds it: it must let go,
    // not keep v on a view that may be seconds old.
    const views = [{ ...up('n1'), held: ['v'], applied: { v: 1 } }, up('n2'), silent('n3', 5000)];
    const resumed = decideAsPeer({
      config: trio,
      self: 'n1',
      views,
      memory: EMPTY_PEER_MEMORY,
      now: NOW,
      startedAt: NOW,
    });
    expect(resumed.decision.assignments[0]!.node).toBe('n1');
    expect(resumed.unbind).toEqual(['v']);
    expect(resumed.bind).toEqual([]);
    // Once settled (quorum for deadAfter), it may keep what it holds.
    const settled = decideAsPeer({ config: trio, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(settled.unbind).toEqual([]);
  });
});

describe('peer mode in simulation (random LAN delays)', () => {
  it('fails over on a crash within deadAfter plus delays, goes home after preemptDelay, never two holders', () => {
    const sim = new PeerSim(trio, seeded(7));
    for (const n of ['n1', 'n2', 'n3']) sim.start(n);
    sim.runUntil(2000);
    expect(sim.holders('v')).toEqual(['n1']);
    sim.crash('n1');
    const crashAt = sim.now;
    let failedOverAt = 0;
    for (let t = crashAt; t < crashAt + 2000 && !failedOverAt; t += 10) {
      sim.runUntil(t);
      if (sim.holders('v').length === 1) failedOverAt = t;
    }
    expect(failedOverAt - crashAt).toBeLessThanOrEqual(trio.timers.deadAfter + trio.timers.heartbeatInterval + 20);
    sim.start('n1');
    sim.runUntil(sim.now + 1000);
    expect(sim.holders('v')).not.toEqual(['n1']);
    sim.runUntil(sim.now + 3000);
    expect(sim.holders('v')).toEqual(['n1']);
    expect(sim.dualHolds).toEqual([]);
  });

  it('a partitioned owner lets go before the majority claims: never two holders', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = new PeerSim(trio, seeded(seed));
      for (const n of ['n1', 'n2', 'n3']) sim.start(n);
      sim.runUntil(1500);
      sim.partition(['n1']);
      sim.runUntil(3500);
      expect(sim.holders('v').length).toBe(1);
      expect(sim.holders('v')).not.toContain('n1');
      sim.heal();
      sim.runUntil(8000);
      expect(sim.holders('v')).toEqual(['n1']);
      expect(sim.dualHolds).toEqual([]);
    }
  });

  it('a two-node pair without quorum holds on both sides of a partition, then resolves within an interval of healing', () => {
    const pair = lan({
      nodes: 2,
      control: { mode: 'peer', quorum: 'none' },
      timers: { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 2000 },
      vips: [{ name: 'v', preferred: 'n1' }],
    });
    const sim = new PeerSim(pair, seeded(3));
    sim.start('n1');
    sim.start('n2');
    sim.runUntil(1500);
    sim.partition(['n1']);
    sim.runUntil(3000);
    expect(sim.holders('v')).toEqual(['n1', 'n2']);
    sim.heal();
    const healedAt = sim.now;
    sim.runUntil(healedAt + pair.timers.heartbeatInterval + 10);
    expect(sim.holders('v')).toHaveLength(1);
  });

  it('holds the invariant over random faults: at most one holder per VIP at every instant, and every VIP served once settled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('crash', 'revive', 'partition', 'heal', 'fail', 'recover'),
            node: fc.nat(4),
            gap: fc.integer({ min: 50, max: 3000 }),
          }),
          { maxLength: 10 },
        ),
        fc.integer({ min: 1, max: 1_000_000 }),
        (nodes, vips, faults, seed) => {
          const config = lan({
            nodes,
            control: { mode: 'peer' },
            checks: { c: { kind: 'tcp', target: '127.0.0.1:1' } },
            timers: { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 1500, minHold: 3000 },
            vips: Array.from({ length: vips }, (_, i) => ({
              name: `v${i}`,
              checks: ['c'],
              ...(i % 2 ? { preferred: `n${(i % nodes) + 1}` } : {}),
            })),
          });
          const sim = new PeerSim(config, seeded(seed));
          const ids = config.nodes.map((n) => n.id);
          for (const id of ids) sim.start(id);
          sim.runUntil(1000);
          const down = new Set<string>();
          for (const f of faults) {
            const id = ids[f.node % nodes]!;
            if (f.kind === 'crash' && !down.has(id)) {
              sim.crash(id);
              down.add(id);
            } else if (f.kind === 'revive' && down.has(id)) {
              sim.start(id);
              down.delete(id);
            } else if (f.kind === 'partition') sim.partition([id]);
            else if (f.kind === 'heal') sim.heal();
            else if (f.kind === 'fail') sim.setCheck(id, 'c', false);
            else sim.setCheck(id, 'c', true);
            sim.runUntil(sim.now + f.gap);
          }
          expect(sim.dualHolds).toEqual([]);
          // Settle: heal, everyone healthy and up; then every VIP is held exactly once.
          sim.heal();
          for (const id of ids) {
            sim.setCheck(id, 'c', true);
            if (down.has(id)) sim.start(id);
          }
          sim.runUntil(sim.now + 5000);
          for (const v of config.vips) expect(sim.holders(v.name)).toHaveLength(1);
          expect(sim.dualHolds).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 60) },
    );
  }, 900_000);
});
