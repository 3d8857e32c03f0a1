import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHostNet } from '../../../agent/hostnet';
import { startPeerAgent } from '../../../agent/peer/peer-agent';
import { UdpPeers } from '../../../agent/peer/udp-peers';
import { hmacSigner } from '../../../core/heartbeat';
import { systemClock } from '../../../lib/clock';
import { PSK, WEB } from './loop-fixture';
import { startPeerCluster, until } from './peer-cluster';

type Cluster = Awaited<ReturnType<typeof startPeerCluster>>;
let cluster: Cluster | undefined;
const extra: Array<{ stop(): Promise<unknown> }> = [];

afterEach(async () => {
  for (const a of extra.splice(0)) await a.stop().catch(() => undefined);
  await cluster?.stop();
  cluster = undefined;
});

const TIMERS = { heartbeatInterval: 100, deadAfter: 300, preemptDelay: 300, minHold: 0 };

/** Who has web bound on its (recording) host. */
function holders(c: Cluster): string[] {
  return [...c.members.values()].filter((m) => m.host.has(WEB)).map((m) => m.id);
}

/** A stopped member started again on its port: a new boot that knows nothing of the cluster. */
async function restart(c: Cluster, id: string) {
  const m = c.member(id);
  const node = c.config.nodes.find((n) => n.id === id)!;
  const logger = pino({ level: 'silent' });
  const transport = await UdpPeers.open({
    port: m.port,
    peers: c.config.control.mode === 'peer' ? c.config.control.peers : [],
    ownAddresses: ['127.0.0.1'],
    bind: '127.0.0.1',
    logger,
  });
  const host = new RecordingHostNet();
  const peer = await startPeerAgent({
    config: c.config,
    node,
    signer: hmacSigner(PSK),
    psk: PSK,
    hostNet: host,
    hostNetKind: 'recording (test)',
    clock: systemClock,
    logger,
    fence: false,
    transport,
  });
  extra.push(peer);
  return { peer, host };
}

const settled = (c: Cluster, id: string) => c.member(id).peer.loop.snapshot().settled;

describe('peer-mode operations: drain, undrain, move and unpin from any node', () => {
  it('a drain issued on one node moves the owner’s VIP with reason drain on every node, outlives its issuer and is learned back after a restart', async () => {
    const c = (cluster = await startPeerCluster(3, TIMERS));
    await until(
      () => c.member('n1').host.has(WEB) && ['n1', 'n2', 'n3'].every((id) => settled(c, id)),
      5000,
      'n1 to bind web, all settled',
    );

    const done = c.member('n2').peer.ops.issue({ kind: 'drain', target: 'n1', on: true, by: 'alice' });
    expect(done.event).toMatchObject({ kind: 'drain', detail: 'n1 drained by alice' });
    await until(() => holders(c).length === 1 && holders(c)[0] !== 'n1', 3000, 'web to leave n1');
    const to = holders(c)[0]!;
    // Every node learned the same operation and recorded the same move, with the control plane's reason.
    for (const id of ['n1', 'n2', 'n3']) {
      const { events } = c.member(id).peer.ops.log.page(50);
      expect(events.find((e) => e.kind === 'drain')).toMatchObject({ detail: 'n1 drained by alice' });
      expect(events.find((e) => e.kind === 'move' && e.reason === 'drain')).toMatchObject({
        vip: 'web',
        from: 'n1',
        to,
      });
      expect([...c.member(id).peer.ops.view().drained]).toEqual(['n1']);
    }
    const digests = new Set(['n1', 'n2', 'n3'].map((id) => c.member(id).peer.ops.digest()));
    expect(digests.size).toBe(1);

    // The issuer goes down: the others keep carrying the drain, and n1 takes nothing back.
    await c.stopOne('n2');
    const survivor = to === 'n2' ? 'n3' : to;
    await until(() => holders(c).includes(survivor), 3000, `${survivor} to hold web`);
    expect(c.member('n1').host.has(WEB)).toBe(false);
    expect([...c.member('n3').peer.ops.view().drained]).toEqual(['n1']);

    // n2 comes back with an empty memory and learns the drain from its peers before it could claim.
    const n2 = await restart(c, 'n2');
    await until(() => n2.peer.ops.view().drained.has('n1'), 2000, 'the restarted n2 to learn the drain');
    await until(() => n2.peer.loop.snapshot().settled, 2000, 'n2 to settle');
    expect(n2.peer.ops.digest()).toBe(c.member('n3').peer.ops.digest());

    // Undrained from another node: web goes home to n1 (preemption), and nobody else holds it.
    n2.peer.ops.issue({ kind: 'drain', target: 'n1', on: false });
    await until(() => c.member('n1').host.has(WEB) && !c.member('n3').host.has(WEB), 4000, 'web back home on n1');
    expect(
      c
        .member('n1')
        .peer.ops.log.page(50)
        .events.some((e) => e.kind === 'undrain'),
    ).toBe(true);
  });

  it('a move pins the VIP on its node (reason manual), preemption leaves it there, and unpin lets it go home', async () => {
    const c = (cluster = await startPeerCluster(3, TIMERS));
    await until(
      () => c.member('n1').host.has(WEB) && ['n1', 'n2', 'n3'].every((id) => settled(c, id)),
      5000,
      'n1 to bind web, all settled',
    );

    const moved = c
      .member('n1')
      .peer.ops.issue({ kind: 'pin', target: 'web', on: true, node: 'n3', reason: 'disk swap on n1' });
    expect(moved.event).toMatchObject({
      kind: 'move',
      reason: 'manual',
      from: 'n1',
      to: 'n3',
      detail: 'disk swap on n1',
    });
    await until(() => holders(c).join() === 'n3', 3000, 'web on n3');
    // Pinned: n1 is home (preferred) and healthy, yet preemption does not take it back.
    await new Promise((r) => setTimeout(r, 3 * TIMERS.preemptDelay));
    expect(holders(c)).toEqual(['n3']);
    for (const id of ['n1', 'n2', 'n3'])
      expect(
        c
          .member(id)
          .peer.ops.log.page(50)
          .events.find((e) => e.reason === 'manual'),
      ).toMatchObject({ to: 'n3' });

    const unpinned = c.member('n2').peer.ops.issue({ kind: 'pin', target: 'web', on: false });
    expect(unpinned).toMatchObject({ wasPinned: true, event: { kind: 'note' } });
    expect(unpinned.event!.detail).toContain('web unpinned on n3');
    await until(() => holders(c).join() === 'n1', 4000, 'web home on n1 after the unpin');
    expect(c.member('n2').peer.ops.issue({ kind: 'pin', target: 'web', on: false })).toEqual({ wasPinned: false });
  });

  it('refuses what the control plane refuses: unknown node or VIP, a dead or draining target, no reason, before it has settled', async () => {
    const c = (cluster = await startPeerCluster(3, TIMERS));
    const n1 = c.member('n1').peer.ops;
    expect(() => n1.issue({ kind: 'drain', target: 'n1', on: true })).toThrow(/still learning the cluster/);
    await until(() => ['n1', 'n2', 'n3'].every((id) => settled(c, id)), 5000, 'all settled');
    const refused = (req: Parameters<typeof n1.issue>[0]) => {
      try {
        n1.issue(req);
      } catch (err) {
        return { status: (err as { status: number }).status, message: (err as Error).message };
      }
      return undefined;
    };
    expect(refused({ kind: 'drain', target: 'n9', on: true })).toMatchObject({ status: 404 });
    expect(refused({ kind: 'pin', target: 'nope', on: true, node: 'n2', reason: 'x' })).toMatchObject({ status: 404 });
    expect(refused({ kind: 'pin', target: 'web', on: true, node: 'n2', reason: '  ' })).toMatchObject({ status: 400 });
    n1.issue({ kind: 'drain', target: 'n2', on: true });
    expect(refused({ kind: 'pin', target: 'web', on: true, node: 'n2', reason: 'x' })).toMatchObject({
      status: 409,
      message: 'node n2 is draining',
    });
    await c.stopOne('n3');
    await until(
      () =>
        !c
          .member('n1')
          .peer.loop.snapshot()
          .views.some((v) => v.id === 'n3' && !v.leaving),
      2000,
      'n3 gone',
    );
    expect(refused({ kind: 'pin', target: 'web', on: true, node: 'n3', reason: 'x' })).toMatchObject({ status: 409 });
    // None of the refusals changed anything: one operation (the drain of n2) is carried.
    expect(n1.list()).toHaveLength(1);
  });
});
