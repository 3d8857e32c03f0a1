import { afterEach, describe, expect, it } from 'vitest';
import { loopFixture, WEB } from './loop-fixture';

// One PeerLoop on a clock the test drives, with peers that are only heartbeats: the exact
// interleavings that the LAN lab met by chance (a resumed agent, a forgotten epoch, a bind in flight).
let f: Awaited<ReturnType<typeof loopFixture>> | undefined;

afterEach(async () => {
  await f?.stop();
  f = undefined;
});

async function holdingWeb() {
  f = await loopFixture();
  await f.run(1500);
  expect(f.host.has(WEB), JSON.stringify(f.logs.map((l) => l.msg))).toBe(true);
  return f;
}

describe('PeerLoop on a driven clock', () => {
  it('tells `owning` (the fence) of a VIP before the reconciler binds it', async () => {
    const f = await holdingWeb();
    const bindAt = f.host.operations.findIndex((o) => o.op === 'bind');
    const told = f.owning.find((o) => o.vips.includes('web'));
    expect(told).toBeDefined();
    expect(told!.opsBefore).toBeLessThanOrEqual(bindAt);
  });

  it('counts a bind in flight as held in what it tells its peers, at the epoch it binds at', async () => {
    f = await loopFixture();
    f.holdBinds(); // a slow `ip addr add`
    for (let i = 0; i < 200 && Object.keys(f.agent.reconciler.ownedEpochs()).length === 0; i++) await f.run(25);
    expect(f.agent.reconciler.ownedEpochs()).toEqual({ web: 1 });
    await f.run(50);
    expect(f.host.has(WEB)).toBe(false);
    // Decided and not yet bound: peers must see it held (not free to claim), in the triggered heartbeat already.
    expect(f.told().at(-1)).toMatchObject({ held: ['web'], applied: { web: 1 }, claiming: [] });
    const firstHeld = f.told().findIndex((hb) => hb.held.includes('web'));
    expect(f.told()[firstHeld - 1]).toMatchObject({ claiming: ['web'] });
    f.releaseBinds();
    await f.run(50);
    expect(f.host.has(WEB)).toBe(true);
    expect(
      f
        .told()
        .slice(firstHeld)
        .every((hb) => hb.held.includes('web')),
    ).toBe(true);
  });

  it('after a stall longer than the lease it starts over and does not take the VIP back from a stale queued heartbeat', async () => {
    const f = await holdingWeb();
    // Heartbeats peers sent while this agent was stopped, queued in its socket: still "nobody else holds web".
    const queued = [f.peer('n2').envelope(), f.peer('n3').envelope()];
    const frozenAt = f.clock.now();
    f.clock.jump(3000);
    // Meanwhile its fence removed web, and n2 took it over (its newer heartbeats are not here yet).
    await f.host.unbind(WEB);
    f.peer('n2').held = ['web'];
    f.peer('n2').applied = { web: 2 };
    for (const [i, d] of queued.entries()) f.loop.receive(d, f.peer(i === 0 ? 'n2' : 'n3').from);
    await f.clock.advance(0); // the overdue timers: the reconciler's listing, the loop's tick
    await f.run(150, []); // new datagrams dropped for a while (a full socket buffer keeps the old ones)
    expect(f.binds(frozenAt)).toEqual([]);
    expect(f.loop.status().stalls).toBe(1);
    expect(f.logs.some((l) => String(l.msg).startsWith('this agent was frozen for 3'))).toBe(true);
    // Then the fresh heartbeats: n2 holds web; n1 stays away (preemption waits for preemptDelay).
    await f.run(2000);
    expect(f.binds(frozenAt)).toEqual([]);
    expect(f.agent.reconciler.held()).toEqual([]);
  });

  it('a short pause (below the lease) changes nothing', async () => {
    const f = await holdingWeb();
    f.clock.jump(f.config.timers.heartbeatInterval);
    await f.run(1000);
    expect(f.loop.status().stalls).toBe(0);
    expect(f.host.only('unbind')).toEqual([]);
    expect(f.host.has(WEB)).toBe(true);
  });

  it('claims a VIP again at an epoch no lower than one it applied, after every holder let go (else its own fence refuses it)', async () => {
    f = await loopFixture();
    // n2 holds web at epoch 3, then dies: n1 takes it over at epoch 4.
    f.peer('n2').held = ['web'];
    f.peer('n2').applied = { web: 3 };
    await f.run(1000);
    await f.run(1500, ['n3']);
    expect(f.agent.reconciler.appliedEpochs()).toEqual({ web: 4 });
    // n3 dies too: no quorum, web released and every epoch forgotten (nobody holds it).
    await f.run(1000, []);
    expect(f.host.has(WEB)).toBe(false);
    // Both come back as new processes; n1 claims web again.
    f.peer('n2').restart();
    f.peer('n3').restart();
    const since = f.clock.now();
    await f.run(2000);
    expect(f.binds(since)).toHaveLength(1);
    expect(f.host.has(WEB)).toBe(true);
    expect(f.agent.reconciler.appliedEpochs().web).toBeGreaterThanOrEqual(4);
    expect(f.logs.filter((l) => String(l.msg).startsWith('ignored assignment'))).toEqual([]);
  });
});
