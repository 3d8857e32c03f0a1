import { afterEach, describe, expect, it } from 'vitest';
import { quorumLease } from '../../../core/peer';
import { loopFixture, WEB } from './loop-fixture';

// Rule 6 (docs/peer-mode.md): a quorum loss found at a lease deadline waits for one read of the
// sockets (one setImmediate) before the node lets go, so a heartbeat that arrived in time but sat
// unread behind the timers phase still counts; with nothing waiting, it lets go on the next turn.
let f: Awaited<ReturnType<typeof loopFixture>> | undefined;

afterEach(async () => {
  await f?.stop();
  f = undefined;
});

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Holding web; both peers heard at one instant, then time moves (no timer firing) until the lease has run out. */
async function leaseJustRunOut() {
  f = await loopFixture();
  await f.run(1500);
  expect(f.host.has(WEB)).toBe(true);
  for (const id of ['n2', 'n3']) f.loop.receive(f.peer(id).envelope(), f.peer(id).from);
  const lease = quorumLease(f.config);
  // The loop runs often enough that this is no stall, only silence from the peers.
  for (let t = 0; t < lease; t += 100) {
    f.clock.jump(Math.min(100, lease - t));
    f.loop.evaluate();
  }
  f.clock.jump(20);
  f.loop.evaluate();
  return f;
}

describe('PeerLoop: a quorum loss waits for one read of the sockets (rule 6)', () => {
  it('a heartbeat read in that turn keeps the VIP: nothing released', async () => {
    const f = await leaseJustRunOut();
    // Not acted on yet: the decision waits for the sockets.
    expect(f.agent.reconciler.ownedEpochs()).toMatchObject({ web: expect.any(Number) });
    f.loop.receive(f.peer('n2').envelope(), f.peer('n2').from);
    await nextTurn();
    expect(f.loop.status().quorum?.ok).toBe(true);
    expect(f.agent.reconciler.ownedEpochs()).toMatchObject({ web: expect.any(Number) });
    expect(f.host.only('unbind')).toEqual([]);
  });

  it('with nothing waiting, it lets go on the next turn, as rule 2 requires', async () => {
    const f = await leaseJustRunOut();
    await nextTurn();
    expect(f.loop.status().quorum).toMatchObject({ ok: false, heard: 1 });
    expect(f.agent.reconciler.ownedEpochs()).toEqual({});
  });
});
