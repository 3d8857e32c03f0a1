import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configDigest } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { HeartbeatBuilder, HttpTransport } from '../../../agent/heartbeat';
import { closedPort } from '../../helpers/closed-port';
import { lan } from '../../helpers/configs';
import { startHeartbeatReceiver, type HeartbeatReceiver } from '../../helpers/heartbeat-receiver';

const cluster = lan({ nodes: 2, vips: [{ name: 'v1' }] });

function builder(psk = 'test-psk-0123456789abcdef', node = 'n1') {
  return new HeartbeatBuilder({
    cluster: 'test',
    node,
    configDigest: configDigest(cluster),
    signer: hmacSigner(psk),
    now: Date.now,
    sources: { checks: () => ({}), held: () => [], applied: () => ({}), takeHookFailures: () => [] },
  });
}

describe('HttpTransport', () => {
  let receiver: HeartbeatReceiver | undefined;
  let transport: HttpTransport | undefined;
  afterEach(async () => {
    await transport?.close();
    await receiver?.close();
    receiver = transport = undefined;
  });

  it('POSTs envelopes over one kept-alive connection and returns the validated answer with its round trip', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    receiver.assign('n1', [{ vip: 'v1', epoch: 3 }]);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    const b = builder();
    for (let i = 0; i < 5; i++) {
      const r = await transport.send(b.build().envelope, { timeoutMs: 1000 });
      expect(r).toMatchObject({ kind: 'answer', answer: { cluster: 'test', node: 'n1', assignments: [{ vip: 'v1', epoch: 3 }] } });
      expect(r.kind === 'answer' && r.rttMs).toBeGreaterThan(0);
    }
    expect(receiver.received.map((r) => r.heartbeat.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(receiver.connections()).toBe(1);
  });

  it('returns a refusal with the receiver\'s reason (a wrong key is bad-signature)', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    const r = await transport.send(builder('wrong-psk-0123456789abcdef').build().envelope, { timeoutMs: 1000 });
    expect(r).toMatchObject({ kind: 'refused', status: 401, reason: 'bad-signature', message: 'signature does not verify for n1' });
  });

  it('tells a failing control plane (5xx), a hung one (timeout) and an absent one (unreachable) apart', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    receiver.setMode('fail-500');
    expect(await transport.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({ kind: 'failed', reason: 'server-error', status: 500 });
    receiver.setMode('hang');
    const started = performance.now();
    expect(await transport.send(builder().build().envelope, { timeoutMs: 150 })).toMatchObject({ kind: 'failed', reason: 'timeout', message: expect.stringContaining('no answer within 150ms') });
    expect(performance.now() - started).toBeLessThan(600);
    const gone = new HttpTransport({ url: `http://127.0.0.1:${await closedPort()}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    expect(await gone.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({ kind: 'failed', reason: 'unreachable', message: expect.stringContaining('ECONNREFUSED') });
    await gone.close();
  });

  it('refuses an answer meant for another node, or one that is not an answer', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n2' });
    expect(await transport.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({ kind: 'failed', reason: 'bad-answer', message: 'answer is for test/n1, not test/n2' });
    const odd = http.createServer((_req, res) => res.end('{"v":1,"assignments":"all of them"}'));
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const t = new HttpTransport({ url: `http://127.0.0.1:${(odd.address() as AddressInfo).port}/`, cluster: 'test', node: 'n1' });
    expect(await t.send('{}', { timeoutMs: 1000 })).toMatchObject({ kind: 'failed', reason: 'bad-answer', message: expect.stringMatching(/^answer is not a heartbeat answer: /) });
    await t.close();
    await new Promise<void>((resolve) => odd.close(() => resolve()));
  });

  it('retries once on a fresh connection when the server dropped the kept-alive one under it', async () => {
    let connections = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      // The second request on a connection finds it closing: as when an idle timeout races the client.
      if (socket.served === 2) return socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ v: 1, cluster: 'test', node: 'n1', receivedAt: Date.now(), assignments: [], notes: [] }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    transport = new HttpTransport({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    expect((await transport.send('{}', { timeoutMs: 1000 })).kind).toBe('answer');
    expect((await transport.send('{}', { timeoutMs: 1000 })).kind).toBe('answer');
    expect(connections).toBe(2);
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
