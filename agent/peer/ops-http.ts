import type http from 'node:http';
import { z } from 'zod';
import { identifier } from '../../core/config/primitives';
import { tokenMatches } from '../ops/ops-token';
import { PeerOpError, type OpRequest, type PeerOpsBook } from './ops-book';
import type { PeerLoop } from './peer-loop';

/** The largest request body taken: a reason is at most 300 characters. */
const MAX_BODY = 4096;

const by = z.string().max(64).optional();
const Bodies = {
  drain: z.strictObject({ node: identifier, by }),
  undrain: z.strictObject({ node: identifier, by }),
  move: z.strictObject({ vip: identifier, node: identifier, reason: z.string().min(1).max(300), by }),
  unpin: z.strictObject({ vip: identifier, by }),
};
type Route = keyof typeof Bodies;

export interface PeerOpsRoutesOptions {
  /** The token from writeOpsToken, or undefined when none could be written (every operation is then refused). */
  token: string | undefined;
  ops: PeerOpsBook;
  loop: PeerLoop;
  /** The cluster status (agent/peer/ops-status.ts). */
  status: () => unknown;
}

/**
 * The agent's operations on its ops server (loopback): `POST /v1/drain|undrain|move|unpin` with the
 * operations token as a bearer token, and `GET /v1/status` and `/v1/events`, read-only like
 * `/status`. Answers as the control plane's API, so the CLI prints both alike. Returns false for a
 * path that is not one of these.
 */
export function peerOpsRoutes(o: PeerOpsRoutesOptions) {
  return (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://agent');
    } catch {
      return false;
    }
    const route = url.pathname.startsWith('/v1/') ? url.pathname.slice(4) : '';
    if (req.method === 'GET' && route === 'status') return json(res, 200, o.status());
    if (req.method === 'GET' && route === 'events') return events(res, url, o.ops);
    if (!(route in Bodies)) return false;
    if (req.method !== 'POST') return json(res, 405, { error: `POST /v1/${route}` });
    if (!o.token)
      return json(res, 503, {
        error: 'this agent has no operations token file, so it takes no operations (see its log)',
      });
    if (!tokenMatches(req.headers.authorization, o.token))
      return json(res, 401, {
        error: 'operations need the agent token (its token file, readable by its user and root)',
      });
    readBody(req)
      .then(
        (text) => answer(res, route as Route, text, o),
        (err: Error) => {
          // Answered first, then the connection is closed: the rest of an oversized body is never read.
          res.setHeader('connection', 'close');
          res.on('finish', () => req.destroy());
          json(res, 413, { error: err.message });
        },
      )
      .catch((err: Error) => void json(res, 500, { error: `the operation failed: ${err.message}` }));
    return true;
  };
}

function answer(res: http.ServerResponse, route: Route, text: string, o: PeerOpsRoutesOptions): void {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return void json(res, 400, { error: 'the body is not JSON' });
  }
  const parsed = Bodies[route].safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return void json(res, 400, { error: `${first.path.join('.') || '(body)'}: ${first.message}` });
  }
  const b = parsed.data as { node?: string; vip?: string; reason?: string; by?: string };
  const req: OpRequest =
    route === 'drain' || route === 'undrain'
      ? { kind: 'drain', target: b.node!, on: route === 'drain' }
      : route === 'move'
        ? { kind: 'pin', target: b.vip!, on: true, node: b.node!, reason: b.reason! }
        : { kind: 'pin', target: b.vip!, on: false };
  if (b.by) req.by = b.by;
  try {
    const done = o.ops.issue(req);
    // issue() had the loop decide at once: these are the moves the operation starts.
    const moves = o.loop.snapshot().last?.decision.moves ?? [];
    json(res, 200, { ...done, op: undefined, moves, vip: b.vip, issuedAt: done.op?.t });
  } catch (err) {
    if (!(err instanceof PeerOpError)) throw err;
    json(res, err.status, { error: err.message });
  }
}

function events(res: http.ServerResponse, url: URL, ops: PeerOpsBook): boolean {
  const limit = url.searchParams.get('limit') ?? '20';
  const before = url.searchParams.get('before') ?? undefined;
  if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000)
    return json(res, 400, { error: 'limit is a number from 1 to 1000' });
  if (before !== undefined && before.length > 300) return json(res, 400, { error: 'before is an event id' });
  return json(res, 200, ops.log.page(Number(limit), before));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > MAX_BODY) return;
      size += c.length;
      if (size > MAX_BODY) return reject(new Error(`the body is larger than ${MAX_BODY} bytes`));
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): true {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}
