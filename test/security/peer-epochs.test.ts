import { afterEach, describe, expect, it } from 'vitest';
import { PEER_EPOCH_CAP, PEER_EPOCH_STEP } from '../../core/peer';
import { loopFixture, WEB } from '../agent/peer/loop-fixture';

// Issue 17, finding 2: one stolen key pushed every peer's epoch for a VIP to 2^53, after which the
// next move overflowed and that node was refused by everyone as malformed. One PeerLoop (n1) on a
// driven clock, its peers only the heartbeats the test makes them send, signed with the real key.
let f: Awaited<ReturnType<typeof loopFixture>> | undefined;

afterEach(async () => {
  await f?.stop();
  f = undefined;
});

/** n1 holding web after a normal start, n2 and n3 heard. */
async function holdingWeb() {
  f = await loopFixture();
  await f.run(1500);
  expect(f.host.has(WEB)).toBe(true);
  return f;
}

/** What n1 carries and says: the state an attack must not change. */
function snapshot(x: NonNullable<typeof f>) {
  const told = x.told();
  return {
    held: x.agent.reconciler.held(),
    applied: x.agent.reconciler.appliedEpochs(),
    lastTold: told.at(-1)?.applied,
    unbinds: x.host.operations.filter((o) => o.op === 'unbind' && o.changed).length,
    binds: x.binds().length,
  };
}

describe('security: peer-mode epochs cannot run away', () => {
  it('an absurd epoch from a stolen key is ignored and counted; the heartbeat still counts for liveness; nothing moves', async () => {
    const x = await holdingWeb();
    const before = snapshot(x);
    expect(before.applied.web).toBeLessThan(10);
    // n2's key, stolen: "I hold web at epoch 2^53 − 1" — by rule 5 the highest epoch wins a contest.
    const n2 = x.peer('n2');
    n2.held = ['web'];
    n2.applied = { web: Number.MAX_SAFE_INTEGER };
    // Only n2 speaks: n1 keeps quorum (2 of 3) only if the forged heartbeats still count as n2's word.
    await x.run(2000, ['n2']);
    expect(snapshot(x)).toEqual({ ...before, lastTold: before.applied });
    expect(x.told().every((hb) => (hb.applied.web ?? 0) < 10)).toBe(true);
    const status = x.loop.status();
    expect(status.refused['absurd-epoch']).toBe(10);
    expect(status.quorum).toMatchObject({ ok: true, heard: 2 });
    expect(status.peers.find((p) => p.node === 'n2')?.lastSeenMsAgo).toBeLessThanOrEqual(
      x.config.timers.heartbeatInterval,
    );
    expect(x.logs.filter((l) => l.reason === 'absurd-epoch')).toHaveLength(1);
  });

  it(`an epoch within ${PEER_EPOCH_STEP} of the highest seen is taken (a holder the others missed a few moves of)`, async () => {
    const x = await holdingWeb();
    const n2 = x.peer('n2');
    n2.held = ['web'];
    n2.applied = { web: (x.agent.reconciler.appliedEpochs().web ?? 0) + PEER_EPOCH_STEP - 1 };
    await x.run(400);
    // The contest is n2's by rule 5 (highest epoch): n1 lets go, exactly as before the cap.
    expect(x.host.has(WEB)).toBe(false);
    expect(x.loop.status().refused['absurd-epoch']).toBeUndefined();
  });

  it('no epoch above the cap is ever taken, even one step above what a node has seen', async () => {
    const x = await holdingWeb();
    // n1 already at the cap (as after a month of ratcheting by a stolen key): the cap still holds.
    x.agent.reconciler.accept([{ vip: 'web', epoch: PEER_EPOCH_CAP }]);
    await x.run(200);
    const n2 = x.peer('n2');
    n2.held = ['web'];
    n2.applied = { web: PEER_EPOCH_CAP + 1 };
    await x.run(1000);
    expect(x.loop.status().refused['absurd-epoch']).toBe(5);
    expect(x.host.has(WEB)).toBe(true);
    expect(Math.max(...x.told().map((hb) => hb.applied.web ?? 0))).toBe(PEER_EPOCH_CAP);
    expect(Number.isSafeInteger(PEER_EPOCH_CAP + 1)).toBe(true);
  });

  it('a datagram from an address that is not a configured peer is dropped before any cryptography, whatever it carries', async () => {
    const x = await holdingWeb();
    const before = snapshot(x);
    const n2 = x.peer('n2');
    n2.held = ['web'];
    n2.applied = { web: 5 };
    // Validly signed, fresh, and would win the contest — but from 198.18.0.99, which is no peer.
    for (let i = 0; i < 20; i++) x.loop.receive(n2.envelope(), '198.18.0.99:7401');
    x.loop.receive(Buffer.from('junk'), '[2001:db8::1]:7401');
    await x.run(400, ['n3']);
    expect(snapshot(x)).toEqual({ ...before, lastTold: before.applied });
    const status = x.loop.status();
    expect(status.refused).toEqual({ 'not-a-peer': 21 });
    // n2 counts as heard only from its real address (its last word came at the end of holdingWeb).
    expect(status.peers.find((p) => p.node === 'n2')?.held).toEqual([]);
  });
});
