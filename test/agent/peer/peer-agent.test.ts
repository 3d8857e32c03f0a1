import { afterEach, describe, expect, it } from 'vitest';
import { WEB } from './loop-fixture';
import { startPeerCluster, until } from './peer-cluster';

let cluster: Awaited<ReturnType<typeof startPeerCluster>> | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('startPeerAgent: a graceful stop', () => {
  it('removes the addresses first, then says it is leaving; a peer takes over at once, never while the address is still here', async () => {
    const c = (cluster = await startPeerCluster(3, { heartbeatInterval: 100, deadAfter: 300 }));
    await until(() => c.member('n1').host.has(WEB), 5000, 'n1 to bind web');
    const report = await c.stopOne('n1');
    expect(report).toMatchObject({ ok: true, leavingDelivered: true });
    await until(() => c.seen().some((s) => s.node === 'n1' && s.leaving), 1000, 'the leaving heartbeat');
    const leaving = c.seen().find((s) => s.node === 'n1' && s.leaving)!;
    expect(leaving.held).toEqual([]);
    const unbound = c
      .member('n1')
      .host.only('unbind')
      .find((o) => o.changed)!;
    expect(unbound.at).toBeLessThanOrEqual(leaving.at);
    await until(() => c.member('n2').host.has(WEB) || c.member('n3').host.has(WEB), 2000, 'a peer to take web');
    const taker = c.member('n2').host.has(WEB) ? c.member('n2') : c.member('n3');
    const bound = taker.host.only('bind').find((o) => o.changed)!;
    expect(bound.at).toBeGreaterThanOrEqual(unbound.at);
    // At once: well before deadAfter after the leaving word.
    expect(bound.at - leaving.at).toBeLessThan(300);
  });
});
