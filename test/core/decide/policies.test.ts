import { describe, expect, it } from 'vitest';
import { decide, type NodeView } from '../../../core/decide';
import { config, lan } from '../../helpers/configs';
import { NOW, owned, silent, up } from '../../helpers/views';

const pair = lan({
  nodes: 2,
  vips: [{ name: 'v', preferred: 'n1', checks: ['smtp'] }],
  checks: { smtp: { kind: 'smtp', target: '127.0.0.1:25' } },
});
const ok = { smtp: true };

function run(nodes: NodeView[], current: Record<string, string | null>, cfg = pair, heldFor?: number) {
  return decide({
    config: cfg,
    nodes,
    assignments: owned(current, heldFor === undefined ? {} : { heldFor }),
    now: NOW,
  });
}

describe('liveness by receive time', () => {
  it.each([
    ['heard 1s ago', 1000, 'n1', 'stable'],
    ['heard exactly deadAfter ago', 3000, 'n1', 'stable'],
    ['silent 1ms past deadAfter', 3001, 'n2', 'owner-dead'],
    ['silent for a minute', 60_000, 'n2', 'owner-dead'],
  ])('owner %s', (_, ago, owner, reason) => {
    const d = run([up('n1', { ago: ago as number, checks: ok }), up('n2', { checks: ok })], { v: 'n1' });
    expect(d.assignments[0]!.node).toBe(owner);
    expect(d.reasons.v!.code).toBe(reason);
  });

  it('a node never heard from is never a candidate', () => {
    const d = run([up('n2', { ago: 5000, checks: ok })], { v: null });
    expect(d.assignments[0]!.node).toBeNull();
    expect(d.reasons.v).toMatchObject({ code: 'no-eligible-node' });
    expect(d.reasons.v!.detail).toContain('n1: never heard from');
  });

  it('a leaving owner is left at once, without waiting for deadAfter', () => {
    const d = run([up('n1', { leaving: true, checks: ok }), up('n2', { checks: ok })], { v: 'n1' });
    expect(d.moves).toEqual([expect.objectContaining({ vip: 'v', from: 'n1', to: 'n2', reason: 'owner-leaving' })]);
  });

  it('the reason says how long the owner has been silent', () => {
    const d = run([silent('n1', 4200), up('n2', { checks: ok })], { v: 'n1' });
    expect(d.moves[0]!.detail).toBe('n1: no heartbeat for 4.2s (deadAfter 3s)');
  });
});

describe('health by required checks', () => {
  it.each([
    ['failing', { smtp: false }, 'n2', 'owner-unhealthy', 'smtp failing (refused)'],
    ['not reported', {}, 'n2', 'owner-unhealthy', 'smtp not reported'],
    ['passing', { smtp: true }, 'n1', 'stable', ''],
  ])('owner check %s', (_, checks, owner, reason, detail) => {
    const d = run([up('n1', { checks }), up('n2', { checks: ok })], { v: 'n1' });
    expect(d.assignments[0]!.node).toBe(owner);
    expect(d.reasons.v!.code).toBe(reason);
    expect(d.reasons.v!.detail).toContain(detail);
  });

  it('a VIP without required checks ignores failing checks', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'v' }], checks: { smtp: { kind: 'tcp', target: '127.0.0.1:25' } } });
    const d = run([up('n1', { checks: { smtp: false } }), up('n2')], { v: 'n1' }, cfg);
    expect(d.assignments[0]!.node).toBe('n1');
  });

  it("no healthy node: unowned, with every node's reason", () => {
    const d = run([up('n1', { checks: { smtp: false } }), silent('n2', 9000)], { v: 'n1' });
    expect(d.assignments[0]!.node).toBeNull();
    expect(d.moves[0]).toMatchObject({ from: 'n1', to: null, reason: 'no-eligible-node' });
    expect(d.diagnostics).toContainEqual(expect.objectContaining({ kind: 'unowned', vip: 'v' }));
    expect(d.reasons.v!.detail).toMatch(/n1: smtp failing.*n2: no heartbeat for 9s/);
  });
});

describe('eligibility by topology and identity', () => {
  it('eligible.nodes restricts where a VIP may go', () => {
    const cfg = lan({ nodes: 3, vips: [{ name: 'v', eligible: { nodes: ['n1', 'n3'] } }] });
    const d = run([silent('n1', 9000), up('n2'), up('n3')], { v: 'n1' }, cfg);
    expect(d.assignments[0]!.node).toBe('n3');
  });

  it('a secondary private IP never leaves its subnet', () => {
    const d = decide({
      config: awsPair(),
      nodes: [silent('a1', 9000), up('b1'), up('a2')],
      assignments: owned({ v: 'a1' }),
      now: NOW,
    });
    expect(d.assignments[0]!.node).toBe('a2');
  });

  it('an owner no longer eligible is moved off with reason owner-ineligible', () => {
    const cfg = lan({ nodes: 3, vips: [{ name: 'v', eligible: { nodes: ['n2', 'n3'] } }] });
    const d = run([up('n1'), up('n2'), up('n3')], { v: 'n1' }, cfg);
    expect(d.moves[0]).toMatchObject({ from: 'n1', reason: 'owner-ineligible' });
  });

  it('an owner removed from the config is moved off', () => {
    const d = run([up('n1', { checks: ok }), up('n2', { checks: ok })], { v: 'ghost' });
    expect(d.moves[0]).toMatchObject({ from: 'ghost', to: 'n1' });
  });
});

describe('stability: a healthy owner keeps its VIP', () => {
  it('keeps a VIP on a non-preferred owner when preempt is off', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'v', preferred: 'n1', preempt: false }] });
    const d = run([up('n1'), up('n2')], { v: 'n2' }, cfg);
    expect(d.moves).toEqual([]);
    expect(d.assignments[0]).toMatchObject({ node: 'n2', epoch: 1 });
  });

  it('does not rebalance before minHold', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    const d = run([up('n1'), up('n2')], { a: 'n1', b: 'n1', c: 'n1' }, cfg, 10_000);
    expect(d.moves).toEqual([]);
  });
});

describe('preferred owner, preempt and preemptDelay', () => {
  it.each([
    ['healthy 5s', 5_000, 'n2', []],
    ['healthy exactly preemptDelay', 10_000, 'n1', ['preempt']],
    ['healthy an hour', 3_600_000, 'n1', ['preempt']],
  ])('preferred node %s', (_, upFor, owner, reasons) => {
    const d = run([up('n1', { upFor: upFor as number, checks: ok }), up('n2', { checks: ok })], { v: 'n2' });
    expect(d.assignments[0]!.node).toBe(owner);
    expect(d.moves.map((m) => m.reason)).toEqual(reasons);
  });

  it('counts the delay from the last check recovery, not from boot', () => {
    const n1 = up('n1', { checks: ok });
    const recovered: NodeView = { ...n1, checks: { smtp: { ok: true, since: NOW - 2000 } } };
    const d = run([recovered, up('n2', { checks: ok })], { v: 'n2' });
    expect(d.assignments[0]!.node).toBe('n2');
  });

  it('a forced move goes straight to the preferred node when it is a candidate', () => {
    const d = run([up('n1', { upFor: 1000, checks: ok }), silent('n2', 9000)], { v: 'n2' });
    expect(d.moves[0]).toMatchObject({ to: 'n1', reason: 'owner-dead' });
  });

  it('a manual pin holds a VIP away from its preferred node', () => {
    const assignments = owned({ v: 'n2' }).map((a) => ({ ...a, pinned: { reason: 'testing n2' } }));
    const d = decide({
      config: pair,
      nodes: [up('n1', { checks: ok }), up('n2', { checks: ok })],
      assignments,
      now: NOW,
    });
    expect(d.moves).toEqual([]);
  });
});

describe('drain', () => {
  it('moves VIPs off a draining node, and none comes back while it drains', () => {
    const cfg = lan({ nodes: 3, vips: [{ name: 'a', preferred: 'n1' }, { name: 'b' }] });
    const d = run([up('n1', { draining: true }), up('n2'), up('n3')], { a: 'n1', b: 'n1' }, cfg);
    expect(d.moves.map((m) => [m.vip, m.from, m.reason])).toEqual([
      ['a', 'n1', 'drain'],
      ['b', 'n1', 'drain'],
    ]);
    expect(d.assignments.map((a) => a.node)).not.toContain('n1');
  });

  it('a draining owner keeps a VIP no other node can take, and says so', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'v', eligible: { nodes: ['n1'] } }] });
    const d = run([up('n1', { draining: true }), up('n2')], { v: 'n1' }, cfg);
    expect(d.assignments[0]!.node).toBe('n1');
    expect(d.diagnostics).toContainEqual(expect.objectContaining({ kind: 'drain-blocked', vip: 'v' }));
  });

  it('never claims an unowned VIP onto a draining node', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'v' }] });
    const d = run([up('n1', { draining: true }), silent('n2', 9000)], { v: null }, cfg);
    expect(d.assignments[0]!.node).toBeNull();
  });
});

describe('follow groups', () => {
  const cfg = lan({
    nodes: 3,
    checks: { smtp: { kind: 'tcp', target: '127.0.0.1:25' } },
    vips: [
      { name: 'binding', preferred: 'n1' },
      { name: 'listener', follow: 'binding', checks: ['smtp'] },
    ],
  });

  it('a follower away from its leader joins it (reason follow)', () => {
    const d = run(
      [up('n1', { checks: { smtp: true } }), up('n2', { checks: { smtp: true } }), up('n3')],
      { binding: 'n1', listener: 'n2' },
      cfg,
    );
    expect(d.moves).toEqual([expect.objectContaining({ vip: 'listener', from: 'n2', to: 'n1', reason: 'follow' })]);
  });

  it('the group moves together to a node where every member is healthy', () => {
    const d = run(
      [
        up('n1', { checks: { smtp: false } }),
        up('n2', { checks: { smtp: false } }),
        up('n3', { checks: { smtp: true } }),
      ],
      { binding: 'n1', listener: 'n1' },
      cfg,
    );
    expect(d.assignments.map((a) => a.node)).toEqual(['n3', 'n3']);
  });

  it('an address by which a follower names its leader works like a name', () => {
    const c2 = lan({
      nodes: 2,
      vips: [
        { name: 'b', address: '198.18.0.150/24' },
        { name: 'l', follow: '198.18.0.150' },
      ],
    });
    expect(c2.vips[1]!.follow).toBe('b');
  });
});

describe('balancing within ±1', () => {
  const six = lan({
    nodes: 3,
    vips: ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name })),
    timers: { rebalanceCap: 2 },
  });
  const all = [up('n1'), up('n2'), up('n3')];

  it('moves at most rebalanceCap VIPs per decision, from the most loaded node', () => {
    const d = run(all, { a: 'n1', b: 'n1', c: 'n1', d: 'n1', e: 'n1', f: 'n2' }, six);
    expect(d.moves).toHaveLength(2);
    expect(d.moves.every((m) => m.from === 'n1' && m.reason === 'rebalance')).toBe(true);
  });

  it('leaves loads within one alone', () => {
    const five = lan({ nodes: 3, vips: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name })) });
    const d = run(all, { a: 'n1', b: 'n1', c: 'n2', d: 'n2', e: 'n3' }, five);
    expect(d.moves).toEqual([]);
  });

  it('prefers a move that brings a VIP home', () => {
    const cfg = lan({
      nodes: 3,
      vips: [{ name: 'a' }, { name: 'b' }, { name: 'c', preferred: 'n3', preempt: false }],
      timers: { rebalanceCap: 1 },
    });
    const d = run(all, { a: 'n1', b: 'n1', c: 'n1' }, cfg);
    expect(d.moves).toEqual([expect.objectContaining({ vip: 'c', to: 'n3', reason: 'rebalance' })]);
  });

  it('never moves a VIP away from its preferred node', () => {
    const cfg = lan({ nodes: 2, vips: ['a', 'b', 'c'].map((name) => ({ name, preferred: 'n1' })) });
    const d = run([up('n1'), up('n2')], { a: 'n1', b: 'n1', c: 'n1' }, cfg);
    expect(d.moves).toEqual([]);
  });

  it('forced moves spread over the least-loaded nodes', () => {
    const cfg = lan({ nodes: 4, vips: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => ({ name })) });
    const d = run(
      [silent('n1', 9000), up('n2'), up('n3'), up('n4')],
      { a: 'n1', b: 'n1', c: 'n1', d: 'n2', e: 'n2', f: 'n3', g: 'n4', h: 'n4' },
      cfg,
      1000,
    );
    const loads = ['n2', 'n3', 'n4'].map((n) => d.assignments.filter((a) => a.node === n).length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  });
});

describe('flap budget', () => {
  const cfg = lan({
    nodes: 2,
    vips: [{ name: 'v', preferred: 'n1' }],
    timers: { flapBudget: { moves: 2, window: '10m' } },
  });
  const flapped = (moves: number[]) => owned({ v: 'n2' }, { moves });

  it('holds back a preemption once the budget is spent', () => {
    const d = decide({
      config: cfg,
      nodes: [up('n1'), up('n2')],
      assignments: flapped([NOW - 60_000, NOW - 30_000]),
      now: NOW,
    });
    expect(d.moves).toEqual([]);
    expect(d.reasons.v!.code).toBe('flap-budget');
    expect(d.diagnostics).toContainEqual(expect.objectContaining({ kind: 'flap-budget', vip: 'v' }));
  });

  it('forgets moves older than the window', () => {
    const d = decide({
      config: cfg,
      nodes: [up('n1'), up('n2')],
      assignments: flapped([NOW - 900_000, NOW - 700_000]),
      now: NOW,
    });
    expect(d.moves.map((m) => m.reason)).toEqual(['preempt']);
    expect(d.assignments[0]!.moves).toEqual([NOW]);
  });

  it('never holds back a forced move', () => {
    const d = decide({
      config: cfg,
      nodes: [up('n1'), silent('n2', 9000)],
      assignments: flapped([NOW - 60_000, NOW - 30_000]),
      now: NOW,
    });
    expect(d.moves.map((m) => m.reason)).toEqual(['owner-dead']);
  });
});

describe('quorum (peer mode)', () => {
  const cfg = lan({ nodes: 3, vips: [{ name: 'v' }], control: { mode: 'peer' } });

  it('without a majority nothing is claimed or moved', () => {
    const d = run([up('n1'), silent('n2', 9000), silent('n3', 9000)], { v: 'n2' }, cfg);
    expect(d.moves).toEqual([]);
    expect(d.reasons.v!.code).toBe('no-quorum');
    expect(d.diagnostics).toContainEqual(expect.objectContaining({ kind: 'no-quorum' }));
  });

  it('with a majority the dead owner is replaced', () => {
    const d = run([up('n1'), up('n2'), silent('n3', 9000)], { v: 'n3' }, cfg);
    expect(d.moves[0]).toMatchObject({ from: 'n3', reason: 'owner-dead' });
  });

  it('quorum none (two-node pair) acts alone, like VRRP', () => {
    const two = lan({ nodes: 2, vips: [{ name: 'v' }], control: { mode: 'peer', quorum: 'none' } });
    const d = run([up('n1'), silent('n2', 9000)], { v: 'n2' }, two);
    expect(d.assignments[0]!.node).toBe('n1');
  });
});

describe('diagnostics and epochs', () => {
  it('two live hosts holding one VIP are reported', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'v' }] });
    const d = run([up('n1', { held: ['v'] }), up('n2', { held: ['v'] })], { v: 'n1' }, cfg);
    expect(d.diagnostics).toContainEqual(
      expect.objectContaining({ kind: 'dual-holder', vip: 'v', nodes: ['n1', 'n2'] }),
    );
  });

  it('a decider whose own config differs reports unsafe', () => {
    const cfg = lan({ nodes: 2, vips: [{ name: 'v' }] });
    const d = decide({
      config: cfg,
      nodes: [up('n1', { digest: 'x' }), up('n2', { digest: 'x' })],
      assignments: [],
      now: NOW,
      configDigest: 'y',
    });
    expect(d.diagnostics.find((x) => x.kind === 'unsafe')?.message).toContain('decider: y');
  });

  it('the epoch grows by one on every owner change and stays otherwise', () => {
    const d = run([silent('n1', 9000), up('n2', { checks: ok })], { v: 'n1' });
    expect(d.assignments[0]).toMatchObject({ node: 'n2', epoch: 2, since: NOW, moves: [NOW] });
    expect(d.moves[0]!.epoch).toBe(2);
    const again = decide({
      config: pair,
      nodes: [silent('n1', 9000), up('n2', { checks: ok })],
      assignments: d.assignments,
      now: NOW + 1000,
    });
    expect(again.assignments[0]!.epoch).toBe(2);
  });

  it('the first decision creates an entry for every VIP, even unowned ones', () => {
    const d = decide({ config: pair, nodes: [], assignments: [], now: NOW });
    expect(d.assignments).toEqual([{ vip: 'v', node: null, epoch: 0, since: NOW, moves: [] }]);
    expect(d.moves).toEqual([]);
  });
});

function awsPair() {
  // Two nodes in subnet A, one in subnet B; the VIP lives in subnet A.
  const eni = (n: number) => `eni-0000000000000000${n}`;
  return config({
    cluster: 'aws',
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: [
      { id: 'a1', aws: { eni: eni(1), subnetCidr: '10.0.1.0/24', subnetId: 'subnet-0000000a' } },
      { id: 'b1', aws: { eni: eni(2), subnetCidr: '10.0.2.0/24', subnetId: 'subnet-0000000b' } },
      { id: 'a2', aws: { eni: eni(3), subnetCidr: '10.0.1.0/24', subnetId: 'subnet-0000000a' } },
    ],
    vips: [{ name: 'v', kind: 'aws-secondary-ip', address: '10.0.1.50/24' }],
  });
}
