import { describe, expect, it } from 'vitest';
import { pendingChange, timeRanOut } from '../../control/trigger';
import { lan } from '../helpers/configs';
import { NOW, owned, silent, up } from '../helpers/views';

// A heartbeat asks for a tick when a node above the owner in the VIP's order of succession has
// been back for preemptDelay, not only when the first node has: with n1 still dead, n2's return
// must move the VIP off n3.
const cfg = lan({ nodes: 3, vips: [{ name: 'v', preferred: ['n1', 'n2'] }] });

describe('pendingChange and the order of succession', () => {
  it('the second back and steady while the first is dead: a preemption is due', () => {
    const views = [silent('n1', 60_000), up('n2'), up('n3')];
    expect(pendingChange({ config: cfg, views, assignments: owned({ v: 'n3' }), now: NOW, digest: 'd' })).toMatch(
      /^v n3→n2 preempt: n2 \(#2 in preferred\)/,
    );
  });

  it('nothing is due while the owner is the best placed live node', () => {
    const views = [silent('n1', 60_000), up('n2'), up('n3')];
    expect(
      pendingChange({ config: cfg, views, assignments: owned({ v: 'n2' }), now: NOW, digest: 'd' }),
    ).toBeUndefined();
  });
});

// Witnessed reports: the first report past a node's time point is news (nothing else would say so
// before a keepalive); the points count from aliveSince (preemptDelay 10 s, minHold 30 s here).
describe('timeRanOut', () => {
  const at = (id: string, upFor: number, ago = 0) => up(id, { upFor, ago });
  it.each([
    ['n2 (second in line) past preemptDelay since its last report', 'n2', 10_500, 1_000, 'preemptDelay ran out'],
    ['n3 (not in line) past preemptDelay: not its point', 'n3', 10_500, 1_000, undefined],
    ['n3 past minHold', 'n3', 30_500, 1_000, 'minHold ran out'],
    ['n2 already reported after preemptDelay: once only', 'n2', 12_000, 1_000, undefined],
    ['n2 before its point', 'n2', 9_000, 1_000, undefined],
  ])('%s', (_, id, upFor, gap, want) => {
    const prev = at(id, upFor - gap, gap);
    expect(timeRanOut(cfg, prev, at(id, upFor), NOW)).toBe(want);
  });

  it('a node never heard before is news of another kind (first word), not a time point', () => {
    expect(timeRanOut(cfg, undefined, at('n2', 20_000), NOW)).toBeUndefined();
  });
});
