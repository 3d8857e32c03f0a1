import { describe, expect, it } from 'vitest';
import { pendingChange } from '../../control/trigger';
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
