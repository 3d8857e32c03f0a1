import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentMetrics, startOpsServer, type OpsServer } from '../../../agent/ops';
import { peerOpsRoutes } from '../../../agent/peer/ops-http';
import { peerClusterStatus } from '../../../agent/peer/ops-status';
import { configDigest } from '../../../core/config';
import type { ControlEvent } from '../../../core/ports';
import { WEB } from './loop-fixture';
import { startPeerCluster, until } from './peer-cluster';

let cluster: Awaited<ReturnType<typeof startPeerCluster>> | undefined;
let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  await cluster?.stop();
  server = cluster = undefined;
});

const TOKEN = 'a-test-token-0123456789';

describe('the agent’s /v1 operations over HTTP (what the CLI calls in peer mode)', () => {
  it('moves and unpins with the token, refuses hostile bodies with a reason, and serves status and events', async () => {
    const c = (cluster = await startPeerCluster(3, { heartbeatInterval: 100, deadAfter: 300, minHold: 0 }));
    const n2 = c.member('n2').peer;
    server = await startOpsServer({
      listen: '127.0.0.1:0',
      metrics: new AgentMetrics({ processMetrics: false }),
      status: () => ({}),
      logger: pino({ level: 'silent' }),
      routes: peerOpsRoutes({
        token: TOKEN,
        ops: n2.ops,
        loop: n2.loop,
        status: () =>
          peerClusterStatus({
            ...n2.loop.snapshot(),
            config: c.config,
            self: 'n2',
            now: Date.now(),
            configDigest: configDigest(c.config),
            ops: n2.ops,
          }),
      }),
    });
    const base = `http://${server.address}/v1`;
    const post = async (path: string, body: string) => {
      const res = await fetch(`${base}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    await until(() => c.member('n1').host.has(WEB) && n2.loop.snapshot().settled, 5000, 'n1 holds web, n2 settled');

    // Hostile or wrong bodies: a clear reason, and nothing carried.
    expect(await post('move', 'not json')).toMatchObject({ status: 400, body: { error: 'the body is not JSON' } });
    expect(await post('move', JSON.stringify({ vip: 'web', node: 'n3', reason: 'x', extra: 1 }))).toMatchObject({
      status: 400,
    });
    expect(await post('move', JSON.stringify({ vip: 'web', node: 'n3', reason: 'x'.repeat(301) }))).toMatchObject({
      status: 400,
    });
    expect(await post('drain', JSON.stringify({ node: '\u001b[2J' }))).toMatchObject({ status: 400 });
    expect(await post('drain', JSON.stringify({ node: 'n1', pad: 'x'.repeat(5000) }))).toMatchObject({ status: 413 });
    expect(await post('move', JSON.stringify({ vip: 'web', node: 'n9', reason: 'x' }))).toMatchObject({ status: 404 });
    expect((await fetch(`${base}/drain`)).status).toBe(405);
    expect(n2.ops.list()).toEqual([]);

    const moved = await post(
      'move',
      JSON.stringify({ vip: 'web', node: 'n3', reason: 'kernel update on n1', by: 'bob' }),
    );
    expect(moved).toMatchObject({
      status: 200,
      body: { event: { kind: 'move', reason: 'manual', from: 'n1', to: 'n3', detail: 'kernel update on n1 (by bob)' } },
    });
    await until(() => c.member('n3').host.has(WEB) && !c.member('n1').host.has(WEB), 3000, 'web on n3');
    const status = (await (await fetch(`${base}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      mode: 'peer',
      node: 'n2',
      vips: [{ vip: 'web', owner: 'n3', holders: ['n3'], pinned: { node: 'n3', reason: 'kernel update on n1' } }],
      disagreements: [],
    });
    expect(await post('unpin', JSON.stringify({ vip: 'web' }))).toMatchObject({
      status: 200,
      body: { wasPinned: true },
    });
    const page = (await (await fetch(`${base}/events?limit=2`)).json()) as { events: ControlEvent[]; next?: string };
    expect(page.events).toHaveLength(2);
    expect(page.events[0]).toMatchObject({ kind: 'note', vip: 'web' });
    expect((await fetch(`${base}/events?limit=0`)).status).toBe(400);
  });
});
