import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatBuilder } from '../../../agent/heartbeat';
import { configDigest } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { WEB } from './loop-fixture';
import { startPeerCluster, until } from './peer-cluster';

// Whole agents in this process on real UDP over loopback: the paths a datagram takes from one
// PeerLoop to another. Fast timers (heartbeat 100 ms, deadAfter 300 ms) keep the tests short.
let cluster: Awaited<ReturnType<typeof startPeerCluster>> | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const FAST = { heartbeatInterval: 100, deadAfter: 300 };

describe('PeerLoop over UDP on loopback', () => {
  it('three agents: the preferred node announces a claim, then binds; the others see it held and bind nothing', async () => {
    const c = (cluster = await startPeerCluster(3, FAST));
    await until(() => c.member('n1').host.has(WEB), 5000, 'n1 to bind web');
    await until(
      () =>
        c
          .member('n2')
          .peer.loop.status()
          .peers.find((p) => p.node === 'n1')
          ?.held.includes('web') ?? false,
      2000,
      'n2 to hear that n1 holds web',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(c.member('n2').host.only('bind')).toEqual([]);
    expect(c.member('n3').host.only('bind')).toEqual([]);
    expect(c.member('n1').host.only('bind')).toHaveLength(1);
    // The claim was on the wire before the address was: claim, then held.
    const fromN1 = c.seen().filter((s) => s.node === 'n1');
    const claimed = fromN1.findIndex((s) => s.claiming.includes('web'));
    const held = fromN1.findIndex((s) => s.held.includes('web'));
    expect(claimed).toBeGreaterThanOrEqual(0);
    expect(held).toBeGreaterThan(claimed);
    const status = c.member('n1').peer.loop.status();
    expect(status.quorum).toMatchObject({ ok: true, heard: 3, needed: 2 });
    expect(status.diagnostics).toEqual([]);
  });

  it('tells its peers of a change at once (a triggered heartbeat), not at its next beat', async () => {
    // A slow beat, so a triggered heartbeat cannot be mistaken for a scheduled one.
    const c = (cluster = await startPeerCluster(2, { heartbeatInterval: 1000, deadAfter: 3000 }));
    await until(() => c.member('n1').host.has(WEB), 10_000, 'n1 to bind web');
    await until(() => c.seen().some((s) => s.node === 'n1' && s.held.includes('web')), 2000, 'a heartbeat saying so');
    const claim = c.seen().find((s) => s.node === 'n1' && s.claiming.includes('web'))!;
    const held = c.seen().find((s) => s.node === 'n1' && s.held.includes('web'))!;
    // Claim → held takes claimHoldoff (100 ms), not a heartbeat interval (1 s): both were sent on the change.
    expect(held.at - claim.at).toBeLessThan(500);
    expect(held.at - claim.at).toBeGreaterThanOrEqual(c.config.timers.claimHoldoff - 5);
  });

  it('refuses forged, malformed and replayed datagrams, counts them by reason, and changes nothing', async () => {
    const c = (cluster = await startPeerCluster(3, FAST));
    await until(() => c.member('n1').host.has(WEB), 5000, 'n1 to bind web');
    const n1 = c.member('n1');
    const forger = new HeartbeatBuilder({
      cluster: c.config.cluster,
      node: 'n2',
      configDigest: configDigest(c.config),
      signer: hmacSigner('not-the-cluster-key-0123456789'),
      now: Date.now,
      sources: {
        checks: () => ({}),
        held: () => ['web'],
        applied: () => ({ web: 99 }),
        claiming: () => [],
        takeHookFailures: () => [],
      },
    });
    await c.spy.send(n1.port, forger.build().envelope);
    await c.spy.send(n1.port, 'not a heartbeat');
    const old = c.seen().find((s) => s.node === 'n2')!;
    await c.spy.send(n1.port, old.raw);
    await until(
      () => Object.values(n1.peer.loop.status().refused).reduce((a, b) => a + b, 0) >= 3,
      2000,
      'three refusals',
    );
    expect(n1.peer.loop.status().refused).toEqual({ 'bad-signature': 1, malformed: 1, replayed: 1 });
    expect(
      n1.logs
        .filter((l) => String(l.msg).startsWith('refused a peer heartbeat'))
        .map((l) => l.reason)
        .sort(),
    ).toEqual(['bad-signature', 'malformed', 'replayed']);
    // The forged "n2 holds web at epoch 99" changed nothing.
    await new Promise((r) => setTimeout(r, 300));
    expect(n1.host.has(WEB)).toBe(true);
    expect(n1.host.only('unbind')).toEqual([]);
  });

  it('a dead holder is replaced after deadAfter by exactly one peer', async () => {
    const c = (cluster = await startPeerCluster(3, FAST));
    await until(() => c.member('n1').host.has(WEB), 5000, 'n1 to bind web');
    // Silence n1 without a leaving heartbeat: its loop stops and its transport closes.
    c.member('n1').peer.loop.stop();
    await c.member('n1').peer.agent.stop({ graceful: false });
    const diedAt = Date.now();
    await until(() => c.member('n2').host.has(WEB) || c.member('n3').host.has(WEB), 3000, 'a survivor to bind web');
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(FAST.deadAfter - FAST.heartbeatInterval);
    await new Promise((r) => setTimeout(r, 500));
    expect([c.member('n2').host.has(WEB), c.member('n3').host.has(WEB)].filter(Boolean)).toHaveLength(1);
  });
});
