import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configDigest } from '../../../core/config';
import { hmacSigner } from '../../../core/heartbeat';
import { HeartbeatBuilder, HttpTransport } from '../../../agent/heartbeat';
import { closedPort } from '../../helpers/closed-port';
import { lan } from '../../helpers/configs';
import { startHeartbeatReceiver, type HeartbeatReceiver } from '../../helpers/heartbeat-receiver';
import { makeCert } from '../../helpers/tls-cert';

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
      expect(r).toMatchObject({
        kind: 'answer',
        answer: { cluster: 'test', node: 'n1', assignments: [{ vip: 'v1', epoch: 3 }] },
      });
      expect(r.kind === 'answer' && r.rttMs).toBeGreaterThan(0);
    }
    expect(receiver.received.map((r) => r.heartbeat.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(receiver.connections()).toBe(1);
  });

  it("returns a refusal with the receiver's reason (a wrong key is bad-signature)", async () => {
    receiver = await startHeartbeatReceiver(cluster);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    const r = await transport.send(builder('wrong-psk-0123456789abcdef').build().envelope, { timeoutMs: 1000 });
    expect(r).toMatchObject({
      kind: 'refused',
      status: 401,
      reason: 'bad-signature',
      message: 'signature does not verify for n1',
    });
  });

  it('tells a failing control plane (5xx), a hung one (timeout) and an absent one (unreachable) apart', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n1' });
    receiver.setMode('fail-500');
    expect(await transport.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({
      kind: 'failed',
      reason: 'server-error',
      status: 500,
    });
    receiver.setMode('hang');
    const started = performance.now();
    expect(await transport.send(builder().build().envelope, { timeoutMs: 150 })).toMatchObject({
      kind: 'failed',
      reason: 'timeout',
      message: expect.stringContaining('no answer within 150ms'),
    });
    expect(performance.now() - started).toBeLessThan(600);
    const gone = new HttpTransport({
      url: `http://127.0.0.1:${await closedPort()}/v1/heartbeat`,
      cluster: 'test',
      node: 'n1',
    });
    expect(await gone.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({
      kind: 'failed',
      reason: 'unreachable',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    await gone.close();
  });

  it('refuses an answer meant for another node, or one that is not an answer, and uses nothing in it', async () => {
    receiver = await startHeartbeatReceiver(cluster);
    transport = new HttpTransport({ url: `${receiver.url}/v1/heartbeat`, cluster: 'test', node: 'n2' });
    expect(await transport.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({
      kind: 'failed',
      reason: 'forged-answer',
      answerRefusal: 'wrong-node',
      message: 'answer refused (wrong-node): answer is for test/n1, not test/n2',
    });
    const odd = http.createServer((_req, res) => res.end('{"v":1,"assignments":"all of them"}'));
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const t = new HttpTransport({
      url: `http://127.0.0.1:${(odd.address() as AddressInfo).port}/`,
      cluster: 'test',
      node: 'n1',
    });
    expect(await t.send(builder().build().envelope, { timeoutMs: 1000 })).toMatchObject({
      kind: 'failed',
      reason: 'forged-answer',
      answerRefusal: 'malformed',
      message: expect.stringMatching(/answer is not a heartbeat answer: /),
    });
    await t.close();
    await new Promise<void>((resolve) => odd.close(() => resolve()));
  });

  it('retries once on a fresh connection when the server dropped the kept-alive one under it', async () => {
    let connections = 0;
    const server = http.createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      // The second request on a connection finds it closing: as when an idle timeout races the client.
      if (socket.served === 2) return socket.destroy();
      void answerTo(req).then((text) => res.end(text));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    transport = new HttpTransport({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/heartbeat`,
      cluster: 'test',
      node: 'n1',
    });
    const b = builder();
    expect((await transport.send(b.build().envelope, { timeoutMs: 1000 })).kind).toBe('answer');
    expect((await transport.send(b.build().envelope, { timeoutMs: 1000 })).kind).toBe('answer');
    expect(connections).toBe(2);
    await transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  describe('on the wire', () => {
    const servers: Array<http.Server | net.Server> = [];
    const rawSockets: net.Socket[] = [];
    afterEach(async () => {
      for (const socket of rawSockets.splice(0)) socket.destroy();
      for (const s of servers.splice(0)) {
        if (s instanceof http.Server) s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    });
    async function listen<S extends http.Server | net.Server>(server: S): Promise<number> {
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    }

    it('sends one well-formed POST and reads a chunked answer', async () => {
      const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
      const port = await listen(
        http.createServer((req, res) => {
          void answerTo(req).then((text) => {
            seen.push({
              method: req.method,
              url: req.url,
              headers: req.headers,
              body: (req as typeof req & { body?: string }).body ?? '',
            });
            // Two writes without a length: Node frames them as chunks.
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write(text.slice(0, 10));
            setTimeout(() => res.end(text.slice(10)), 5);
          });
        }),
      );
      transport = new HttpTransport({
        url: `http://127.0.0.1:${port}/v1/heartbeat?from=agent`,
        cluster: 'test',
        node: 'n1',
      });
      const envelope = builder().build().envelope;
      expect(await transport.send(envelope, { timeoutMs: 1000 })).toMatchObject({
        kind: 'answer',
        answer: { assignments: [{ vip: 'v1', epoch: 1 }] },
      });
      expect(seen).toEqual([
        {
          method: 'POST',
          url: '/v1/heartbeat?from=agent',
          headers: {
            host: `127.0.0.1:${port}`,
            'user-agent': 'ipferry-agent',
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': String(Buffer.byteLength(envelope)),
            connection: 'keep-alive',
          },
          body: envelope,
        },
      ]);
    });

    it('opens a new connection after an answer that closes, and after the server dropped an idle one', async () => {
      let connections = 0;
      let served = 0;
      const server = http.createServer((req, res) => {
        served++;
        const n = served;
        void answerTo(req).then((text) => {
          // The first answer says it closes; later ones are followed by an idle timeout's close.
          res.writeHead(200, n === 1 ? { connection: 'close' } : {});
          res.end(text);
          if (n > 1) res.on('finish', () => setTimeout(() => req.socket.end(), 30));
        });
      });
      server.on('connection', () => connections++);
      const port = await listen(server);
      transport = new HttpTransport({ url: `http://127.0.0.1:${port}/v1/heartbeat`, cluster: 'test', node: 'n1' });
      const b = builder();
      const send = async () => (await transport!.send(b.build().envelope, { timeoutMs: 1000 })).kind;
      expect(await send()).toBe('answer');
      expect(await send()).toBe('answer');
      expect(connections).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await send()).toBe('answer');
      expect(await send()).toBe('answer');
      expect(connections).toBe(3);
    });

    it('refuses an answer that is not HTTP or too large, and starts clean on a new connection', async () => {
      let next = (): string => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}';
      let connections = 0;
      const port = await listen(
        net.createServer((socket) => {
          connections++;
          rawSockets.push(socket);
          socket.on('data', () => socket.write(next()));
          socket.on('error', () => {});
        }),
      );
      transport = new HttpTransport({
        url: `http://127.0.0.1:${port}/v1/heartbeat`,
        cluster: 'test',
        node: 'n1',
        maxAnswerBytes: 200,
      });
      const b = builder();
      expect(await transport.send(b.build().envelope, { timeoutMs: 1000 })).toMatchObject({
        kind: 'failed',
        reason: 'forged-answer',
        answerRefusal: 'malformed',
      });
      next = () => 'HTTP/1.1 200 OK\r\nContent-Length: 201\r\n\r\n' + 'x'.repeat(201);
      expect(await transport.send(b.build().envelope, { timeoutMs: 1000 })).toMatchObject({
        kind: 'failed',
        reason: 'bad-answer',
        message: expect.stringContaining('answer over 200 bytes'),
      });
      next = () => 'HTTP/1.1 2x0 what\r\n\r\n';
      expect(await transport.send(b.build().envelope, { timeoutMs: 1000 })).toMatchObject({
        kind: 'failed',
        reason: 'bad-answer',
        message: expect.stringContaining('HPE_'),
      });
      const hb = b.build();
      const payload = JSON.parse((JSON.parse(hb.envelope) as { payload: string }).payload) as {
        bootId: string;
        seq: number;
      };
      const text = JSON.stringify({
        v: 1,
        cluster: 'test',
        node: 'n1',
        receivedAt: 1,
        assignments: [],
        notes: [],
        version: 0,
        inReplyTo: { bootId: payload.bootId, seq: payload.seq },
      });
      next = () => `HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`;
      expect(await transport.send(hb.envelope, { timeoutMs: 1000 })).toMatchObject({ kind: 'answer' });
      expect(connections).toBeGreaterThanOrEqual(3);
    });

    it('gives up an exchange when it is stopped or its deadline comes, and the next one works', async () => {
      let hang = true;
      const port = await listen(
        http.createServer((req, res) => {
          void answerTo(req).then((text) => {
            if (!hang) res.end(text);
          });
        }),
      );
      transport = new HttpTransport({ url: `http://127.0.0.1:${port}/v1/heartbeat`, cluster: 'test', node: 'n1' });
      const b = builder();
      const after = (ms: number, why: Error) => new Promise<Error>((resolve) => setTimeout(() => resolve(why), ms));
      expect(
        await transport.send(b.build().envelope, { timeoutMs: 5000, until: after(50, new Error('agent stopping')) }),
      ).toEqual({ kind: 'failed', reason: 'aborted', message: 'agent stopping' });
      // No timeoutMs: `until` is the deadline, and a TimeoutError reason makes it a timeout.
      const due = Object.assign(new Error('no answer before the next heartbeat was due'), { name: 'TimeoutError' });
      expect(await transport.send(b.build().envelope, { until: after(50, due) })).toEqual({
        kind: 'failed',
        reason: 'timeout',
        message: 'no answer before the next heartbeat was due',
      });
      hang = false;
      expect((await transport.send(b.build().envelope, { timeoutMs: 1000 })).kind).toBe('answer');
    });

    it('speaks HTTPS, and refuses a certificate it does not trust', async () => {
      const cert = await makeCert({ names: ['localhost', '127.0.0.1'] });
      try {
        const port = await listen(
          https.createServer(
            { key: cert.key, cert: cert.cert },
            (req, res) => void answerTo(req).then((text) => res.end(text)),
          ),
        );
        const url = `https://localhost:${port}/v1/heartbeat`;
        transport = new HttpTransport({ url, cluster: 'test', node: 'n1', ca: cert.cert });
        const b = builder();
        expect(await transport.send(b.build().envelope, { timeoutMs: 2000 })).toMatchObject({ kind: 'answer' });
        expect(await transport.send(b.build().envelope, { timeoutMs: 2000 })).toMatchObject({ kind: 'answer' });
        const untrusting = new HttpTransport({ url, cluster: 'test', node: 'n1' });
        expect(await untrusting.send(b.build().envelope, { timeoutMs: 2000 })).toMatchObject({
          kind: 'failed',
          reason: 'unreachable',
          message: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/),
        });
        await untrusting.close();
      } finally {
        await cert.dispose();
      }
    });

    it('refuses a URL it cannot use', () => {
      expect(() => new HttpTransport({ url: 'ftp://127.0.0.1/', cluster: 'test', node: 'n1' })).toThrow(
        'heartbeat URL must be http(s): ftp://127.0.0.1/',
      );
      expect(() => new HttpTransport({ url: 'http://user:pw@127.0.0.1/', cluster: 'test', node: 'n1' })).toThrow(
        /must not carry credentials/,
      );
    });
  });
});

/** Reads the heartbeat a request carries and answers it as a control plane would: v1 at epoch 1, bound to its boot and seq. */
async function answerTo(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const c of req) body += (c as Buffer).toString();
  (req as typeof req & { body?: string }).body = body;
  const hb = JSON.parse((JSON.parse(body) as { payload: string }).payload) as { bootId: string; seq: number };
  return JSON.stringify({
    v: 1,
    cluster: 'test',
    node: 'n1',
    receivedAt: Date.now(),
    assignments: [{ vip: 'v1', epoch: 1 }],
    notes: [],
    version: 1,
    inReplyTo: { bootId: hb.bootId, seq: hb.seq },
  });
}
