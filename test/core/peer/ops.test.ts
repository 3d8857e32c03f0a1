import { describe, expect, it } from 'vitest';
import { decideAsPeer, EMPTY_PEER_MEMORY } from '../../../core/peer';
import { hmacSigner } from '../../../core/heartbeat';
import { mergeOps, opVerifier, opsDigest, opsView, PEER_OP_STEP, signOp, type PeerOp } from '../../../core/peer/ops';
import { lan } from '../../helpers/configs';
import { NOW, up } from '../../helpers/views';

const PSK = 'test-psk-0123456789abcdef';
const config = lan({
  nodes: 3,
  control: { mode: 'peer' },
  timers: { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 2000, minHold: 5000 },
  vips: [{ name: 'v', preferred: 'n1' }],
});
const verify = opVerifier(config, { psk: PSK });
const signer = hmacSigner(PSK);
const SETTLED = { ...EMPTY_PEER_MEMORY, quorumSince: 0 };

function op(fields: Partial<PeerOp> & Pick<PeerOp, 'kind' | 'target' | 't'>): PeerOp {
  const { sig: _sig, ...rest } = { on: true, at: NOW, issuer: 'n2', ...fields } as PeerOp;
  return signOp(config.cluster, rest, signer);
}

describe('peer operations: merge', () => {
  it('keeps the newest per key, by stamp then issuer, the same whatever order they arrive in', () => {
    const a = op({ kind: 'drain', target: 'n1', t: 1 });
    const b = op({ kind: 'drain', target: 'n1', t: 2, on: false, issuer: 'n3' });
    const c = op({ kind: 'drain', target: 'n1', t: 2, issuer: 'n1' });
    const forward = mergeOps(config, new Map(), [a, b, c], verify).ops;
    const backward = mergeOps(config, new Map(), [c, b, a], verify).ops;
    expect([...forward.values()]).toEqual([b]);
    expect(opsDigest(forward.values())).toBe(opsDigest(backward.values()));
    expect(opsView(forward.values()).drained.size).toBe(0);
  });

  it('refuses a forged, altered, unknown, nonsensical or absurdly stamped operation, and it changes nothing', () => {
    const held = mergeOps(config, new Map(), [op({ kind: 'drain', target: 'n1', t: 5 })], verify).ops;
    const forged = {
      ...op({ kind: 'drain', target: 'n1', t: 6, on: false }),
      sig: hmacSigner('another-key-0123456789').sign(Buffer.from('x')),
    };
    const altered = { ...op({ kind: 'pin', target: 'v', t: 7, node: 'n2', reason: 'ok' }), node: 'n3' };
    const cases: Array<[PeerOp, string]> = [
      [forged, 'op-bad-signature'],
      [altered, 'op-bad-signature'],
      [op({ kind: 'drain', target: 'n9', t: 8 }), 'op-invalid'],
      [op({ kind: 'pin', target: 'v', t: 8, node: 'n2' }), 'op-invalid'],
      [op({ kind: 'drain', target: 'n1', t: 8, issuer: 'mallory' }), 'op-unknown-issuer'],
      [op({ kind: 'drain', target: 'n2', t: 5 + PEER_OP_STEP + 1 }), 'op-absurd-stamp'],
    ];
    for (const [bad, reason] of cases) {
      const r = mergeOps(config, held, [bad], verify);
      expect(r.refused.map((x) => x.reason)).toEqual([reason]);
      expect(r.applied).toEqual([]);
      expect(opsDigest(r.ops.values())).toBe(opsDigest(held.values()));
    }
    // A replayed (older or equal) operation is nothing new: skipped, not even verified.
    const replay = mergeOps(config, held, [op({ kind: 'drain', target: 'n1', t: 4, on: false })], verify);
    expect(replay).toMatchObject({ applied: [], refused: [] });
  });
});

describe('peer operations in decideAsPeer', () => {
  it('a drained owner gives its VIP up with reason drain, as decide() does for the control plane', () => {
    const ops = opsView([op({ kind: 'drain', target: 'n1', t: 1 })]);
    const views = [up('n1', { held: ['v'] }), up('n2'), up('n3')];
    const asN1 = decideAsPeer({ config, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: 0, ops });
    expect(asN1.unbind).toEqual(['v']);
    expect(asN1.decision.moves).toMatchObject([{ vip: 'v', from: 'n1', to: 'n2', reason: 'drain' }]);
    const asN2 = decideAsPeer({ config, self: 'n2', views, memory: SETTLED, now: NOW, startedAt: 0, ops });
    // n2 waits for n1 to let go (break before make) but announces its claim now, so the holdoff
    // runs while n1 releases and n2 binds as soon as it hears n1 has.
    expect(asN2).toMatchObject({ bind: [], waiting: [{ vip: 'v', holder: 'n1' }], claiming: ['v'] });
    const released = [up('n1'), up('n2'), up('n3')];
    const later = NOW + config.timers.claimHoldoff;
    const after = decideAsPeer({
      config,
      self: 'n2',
      views: released,
      memory: asN2.memory,
      now: later,
      startedAt: 0,
      ops,
    });
    expect(after.bind).toEqual(['v']);
  });

  it('a pin makes its node the owner (the holder lets go, break before make) and keeps preemption away', () => {
    const ops = opsView([op({ kind: 'pin', target: 'v', t: 1, node: 'n3', reason: 'maintenance on n1' })]);
    const views = [up('n1', { held: ['v'] }), up('n2'), up('n3')];
    const asN1 = decideAsPeer({ config, self: 'n1', views, memory: SETTLED, now: NOW, startedAt: 0, ops });
    expect(asN1.unbind).toEqual(['v']);
    expect(asN1.decision.assignments[0]).toMatchObject({ node: 'n3', pinned: { reason: 'maintenance on n1' } });
    // n3 holds it and n1 (preferred) is healthy: no preemption while pinned.
    const later = [up('n1'), up('n2'), up('n3', { held: ['v'] })];
    const pinned = decideAsPeer({ config, self: 'n1', views: later, memory: SETTLED, now: NOW, startedAt: 0, ops });
    expect(pinned.decision.moves).toEqual([]);
    const free = decideAsPeer({ config, self: 'n1', views: later, memory: SETTLED, now: NOW, startedAt: 0 });
    expect(free.decision.moves).toMatchObject([{ from: 'n3', to: 'n1', reason: 'preempt' }]);
  });
});
