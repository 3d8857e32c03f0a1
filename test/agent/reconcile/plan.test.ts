import { describe, expect, it } from 'vitest';
import { acceptAssignments, managedVips, planRound } from '../../../agent/reconcile';
import { config, lan } from '../../helpers/configs';

const cluster = lan({ nodes: 2, vips: [{ name: 'rel' }, { name: 'hold', onControlLoss: 'hold' }] });
const { managed } = managedVips(cluster, cluster.nodes[0]!);
const addr = { rel: '198.18.0.101', hold: '198.18.0.102' };

function plan(opts: {
  bound?: string[];
  owned?: Record<string, number>;
  applied?: Record<string, number>;
  lost?: boolean;
}): string[] {
  return planRound({
    managed,
    bound: new Set((opts.bound ?? []).map((n) => addr[n as keyof typeof addr])),
    owned: new Map(Object.entries(opts.owned ?? {})),
    applied: new Map(Object.entries(opts.applied ?? {})),
    controlLost: opts.lost ?? false,
  }).map((s) => `${s.kind} ${s.vip.name}${'why' in s ? ` ${s.why}` : ''}${'epoch' in s ? `@${s.epoch}` : ''}`);
}

describe('planRound (compare and fix)', () => {
  it.each([
    ['owned, not bound: bind', { owned: { rel: 3 } }, ['bind rel@3']],
    ['owned and bound at that epoch: nothing', { owned: { rel: 3 }, bound: ['rel'], applied: { rel: 3 } }, []],
    [
      'owned, bound, never applied (left over, or bound by hand): adopt',
      { owned: { rel: 3 }, bound: ['rel'] },
      ['adopt rel@3'],
    ],
    [
      'owned at a newer epoch while bound: retag',
      { owned: { rel: 5 }, bound: ['rel'], applied: { rel: 3 } },
      ['retag rel@5'],
    ],
    ['bound, not owned: unbind', { bound: ['rel', 'hold'] }, ['unbind rel not-assigned', 'unbind hold not-assigned']],
    ['applied but gone and no longer owned: forget', { applied: { rel: 3 } }, ['forget rel']],
    [
      'applied, owned, gone (removed by someone): bind again',
      { owned: { rel: 3 }, applied: { rel: 3 } },
      ['bind rel@3'],
    ],
    [
      'control lost: release lets go, hold keeps',
      { owned: { rel: 3, hold: 4 }, bound: ['rel', 'hold'], applied: { rel: 3, hold: 4 }, lost: true },
      ['unbind rel control-loss'],
    ],
    ['control lost: a released VIP is not bound again', { owned: { rel: 3 }, lost: true }, []],
  ])('%s', (_name, input, expected) => {
    expect(plan(input)).toEqual(expected);
  });
});

describe('acceptAssignments (epoch fencing)', () => {
  const known = new Set(['a', 'b']);
  it('takes new and equal epochs, ignores older ones (keeping what was owned) and unknown VIPs', () => {
    const r = acceptAssignments(
      new Map([['a', 7]]),
      new Map([
        ['a', 7],
        ['b', 4],
      ]),
      [
        { vip: 'a', epoch: 5 },
        { vip: 'b', epoch: 4 },
        { vip: 'zz', epoch: 1 },
      ],
      known,
    );
    expect(Object.fromEntries(r.owned)).toEqual({ a: 7, b: 4 });
    expect(r.fenced).toEqual([{ vip: 'a', epoch: 5, applied: 7 }]);
    expect(r.unknown).toEqual(['zz']);
  });

  it('does not own a fenced VIP it did not own before', () => {
    const r = acceptAssignments(new Map(), new Map([['a', 7]]), [{ vip: 'a', epoch: 6 }], known);
    expect(r.owned.size).toBe(0);
  });
});

describe('managedVips', () => {
  it("manages every host-bound VIP with an address, on its own interface or the node's; leaves provider-only kinds alone", () => {
    const c = config({
      cluster: 'mix',
      security: { psk: 'test-psk-0123456789abcdef' },
      nodes: [
        {
          id: 'a',
          interface: 'eth0',
          addresses: ['10.0.1.10'],
          aws: { eni: 'eni-0aaa1111bbbb2222c', subnetCidr: '10.0.1.0/24', publicIp: '198.18.9.1' },
        },
      ],
      vips: [
        { name: 'lan1', address: '198.18.0.50/24', interface: 'eth1' },
        { name: 'sec', kind: 'aws-secondary-ip', address: '10.0.1.50/24' },
        { name: 'eip', kind: 'aws-elastic-ip', address: '198.18.9.9/32', aws: { allocationId: 'eipalloc-0abc1234' } },
      ],
    });
    const { managed: m, skipped } = managedVips(c, c.nodes[0]!);
    expect(m.map((v) => [v.name, v.addr])).toEqual([
      ['lan1', { address: '198.18.0.50', prefixLength: 24, family: 4, interface: 'eth1' }],
      ['sec', { address: '10.0.1.50', prefixLength: 24, family: 4, interface: 'eth0' }],
    ]);
    expect(skipped).toEqual([]);
  });
});
