import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { lanCluster } from '../control/helpers/clusters';

// Issue 17, finding 9: a chunked body over the limit was answered with a connection reset (the
// reader stopped and destroyed the request), so a client never learned why. Now: a 413 it can
// read, and nothing stored. The local control plane over HTTP on 127.0.0.1.
const config = lanCluster();
const planes: LocalControlPlane[] = [];

afterEach(async () => {
  for (const cp of planes.splice(0)) await cp.close();
});

/** POSTs `total` bytes as chunks of 16 KiB (no content-length: chunked), written as fast as the socket takes them. */
function postChunked(url: string, total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    const more = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

async function state(cp: LocalControlPlane) {
  const [group, events] = await Promise.all([
    cp.ctx.store.loadGroup(cp.ctx.group),
    cp.ctx.store.listEvents(cp.ctx.group),
  ]);
  return { nodes: [...group.nodes.keys()], version: group.version, events: events.events.length };
}

describe('security: a chunked request body over the limit', () => {
  it('is answered 413 (readable, not a reset) on the heartbeat and API paths, and stores nothing', async () => {
    const cp = await startLocalControlPlane({
      config,
      log: memoryLog(),
      listen: '127.0.0.1:0',
      providers: [new BareMetalProvider()],
      deadlines: false,
      tickEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
    });
    planes.push(cp);
    const before = await state(cp);
    for (const [path, total] of [
      ['/v1/heartbeat', config.security.maxHeartbeatBytes * 8],
      ['/v1/drain', 1024 * 1024],
    ] as const) {
      const reply = await postChunked(`${cp.url}${path}`, total);
      expect(reply.status, path).toBe(413);
      expect(JSON.parse(reply.body), path).toHaveProperty('error.reason');
    }
    expect(await state(cp)).toEqual(before);
  });

  it('the connection stays usable after the 413 (the rest of the body was read and dropped)', async () => {
    const cp = await startLocalControlPlane({
      config,
      log: memoryLog(),
      listen: '127.0.0.1:0',
      providers: [new BareMetalProvider()],
      deadlines: false,
      tickEveryMs: 3_600_000,
      reconcileEveryMs: 3_600_000,
    });
    planes.push(cp);
    for (let i = 0; i < 3; i++)
      expect((await postChunked(`${cp.url}/v1/heartbeat`, config.security.maxHeartbeatBytes * 4)).status).toBe(413);
    const status = await fetch(`${cp.url}/v1/status`);
    expect(status.status).toBe(200);
  });
});
