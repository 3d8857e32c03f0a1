import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * After a body went over the limit, how much more of it is read and dropped (and for how long)
 * so the client can read our 413: destroying the request at once reset the connection, and the
 * client lost the answer with it. Beyond these bounds the connection is cut after all.
 */
const DRAIN_BYTES = 4 * 1024 * 1024;
const DRAIN_MS = 5_000;

/** Reads a request body up to `limit` bytes; beyond that it keeps nothing more and says so. */
export function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', onError);
      drain(req);
      resolve({ body: Buffer.alloc(0), tooLarge: true });
    };
    const onEnd = (): void => resolve({ body: Buffer.concat(chunks), tooLarge: false });
    const onError = (err: Error): void => reject(err);
    req.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

/** Reads and drops the rest of an oversized body, within DRAIN_BYTES and DRAIN_MS. */
function drain(req: IncomingMessage): void {
  let dropped = 0;
  const cut = (): void => {
    clearTimeout(timer);
    req.destroy();
  };
  const timer = setTimeout(cut, DRAIN_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_BYTES) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.on('error', () => clearTimeout(timer)); // the client went away: nothing left to answer
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** `Authorization: Bearer <token>`, compared in constant time. No token configured: everyone may. */
export function bearerOk(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const got = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** "host:port" or "[v6]:port" → parts for server.listen. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`listen address must be host:port, got ${JSON.stringify(text)}`);
  return { host: m[1]!, port: Number(m[2]) };
}
