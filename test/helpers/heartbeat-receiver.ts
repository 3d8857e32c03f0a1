import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Config } from '../../core/config';
import { heartbeatVerifier, HEARTBEAT_VERSION, type Heartbeat, type ReplayGuard } from '../../core/heartbeat';

/** What the receiver does with the next heartbeats. */
export type ReceiverMode = 'answer' | 'fail-500' | 'hang';

export interface Received {
  at: number;
  heartbeat: Heartbeat;
}

export interface HeartbeatReceiver {
  url: string;
  port: number;
  /** Verified heartbeats, in order of arrival. */
  received: Received[];
  /** Refusals: reason per refused request, in order. */
  refused: string[];
  /** TCP connections accepted so far (keep-alive reuse keeps this at 1). */
  connections(): number;
  /** Requests that reached the handler, answered or not. */
  requests(): number;
  /** From now on, the node owns exactly these VIPs at these epochs. */
  assign(node: string, assignments: Array<{ vip: string; epoch: number }>): void;
  setMode(mode: ReceiverMode): void;
  /** Resolves with the first heartbeat after now that matches, or rejects after `timeoutMs`. */
  next(match?: (hb: Heartbeat) => boolean, timeoutMs?: number): Promise<Heartbeat>;
  close(): Promise<void>;
}

/**
 * A small control plane for tests: verifies each heartbeat with core's verifier (replay guard
 * per node, as protocol.md orders), records it, and answers with the assignments the test set.
 * It decides nothing: the test says who owns what.
 */
export async function startHeartbeatReceiver(
  config: Config,
  options: { psk?: string; path?: string } = {},
): Promise<HeartbeatReceiver> {
  const verifier = heartbeatVerifier(config, { psk: options.psk });
  const guards = new Map<string, ReplayGuard>();
  const assignments = new Map<string, Array<{ vip: string; epoch: number }>>();
  const received: Received[] = [];
  const refused: string[] = [];
  const waiters = new Set<{ match: (hb: Heartbeat) => boolean; resolve: (hb: Heartbeat) => void }>();
  const sockets = new Set<Socket>();
  let mode: ReceiverMode = 'answer';
  let connections = 0;
  let requests = 0;
  const path = options.path ?? '/v1/heartbeat';

  const server = http.createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'hang') return; // never answers; the client's timeout must end it
      if (mode === 'fail-500') return reply(res, 500, { error: { reason: 'internal', message: 'store unavailable' } });
      if (req.method !== 'POST' || req.url !== path)
        return reply(res, 404, { error: { reason: 'not-found', message: `${req.method} ${req.url}` } });
      const now = Date.now();
      const verdict = verifier.verify(Buffer.concat(chunks), now, (node) => guards.get(node));
      if (!verdict.ok) {
        refused.push(verdict.reason);
        const status =
          verdict.reason === 'too-large'
            ? 413
            : verdict.reason === 'malformed'
              ? 400
              : ['wrong-algorithm', 'unknown-node', 'bad-signature'].includes(verdict.reason)
                ? 401
                : 409;
        return reply(res, status, { error: { reason: verdict.reason, message: verdict.message } });
      }
      const hb = verdict.heartbeat;
      guards.set(hb.node, verdict.guard);
      received.push({ at: now, heartbeat: hb });
      for (const w of [...waiters]) {
        if (w.match(hb)) {
          waiters.delete(w);
          w.resolve(hb);
        }
      }
      const owned = assignments.get(hb.node) ?? [];
      // As the control plane answers: bound to the heartbeat, with a version no epoch is above.
      reply(res, 200, {
        v: HEARTBEAT_VERSION,
        cluster: config.cluster,
        node: hb.node,
        receivedAt: now,
        assignments: owned,
        notes: [],
        version: Math.max(0, ...owned.map((a) => a.epoch)),
        inReplyTo: { bootId: hb.bootId, seq: hb.seq },
      });
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    refused,
    connections: () => connections,
    requests: () => requests,
    assign: (node, a) => assignments.set(node, a),
    setMode: (m) => {
      mode = m;
    },
    next: (match = () => true, timeoutMs = 5000) =>
      new Promise<Heartbeat>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (hb: Heartbeat) => {
            clearTimeout(timer);
            resolve(hb);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no matching heartbeat within ${timeoutMs}ms (${received.length} received, refused: ${refused.join(', ') || 'none'})`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
