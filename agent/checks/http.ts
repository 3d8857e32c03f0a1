import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import {
  attempt,
  CheckFailed,
  quote,
  type Attempt,
  type CheckContext,
  type CheckOutcome,
  type Success,
} from './attempt';
import { DEFAULT_WARN_BEFORE_MS, judgeValidity, peerCertificate } from './certificate';
import { loadCa } from './connection';
import type { HttpCheckSpec } from './specs';

/** How much of a body is searched for `expectBody`: health pages are small, a check must stay cheap. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * One request on a fresh connection (no agent, `Connection: close`, so no keep-alive socket
 * outlives the check); redirects are not followed. Healthy when the status is in `expectStatus`
 * (default 200–399) and, with `expectBody`, the first 64 KiB of the body contain it.
 */
export function httpCheck(spec: HttpCheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  return attempt(spec.timeout, ctx.signal, async (a) => {
    const url = new URL(spec.target);
    if (url.protocol !== `${spec.kind}:`) throw new CheckFailed(`kind ${spec.kind} but target is ${url.protocol}//`);
    const secure = url.protocol === 'https:';
    const ca = secure ? await loadCa(spec.ca) : undefined;

    const { res, cert } = await request(a, url, spec.method, secure, {
      rejectUnauthorized: !spec.insecure,
      ...(ca ? { ca } : {}),
    });
    const status = res.statusCode ?? 0;
    const accepted = spec.expectStatus ? spec.expectStatus.includes(status) : status >= 200 && status <= 399;
    if (!accepted) {
      const wanted = spec.expectStatus ? `one of ${spec.expectStatus.join(', ')}` : '200-399';
      throw new CheckFailed(`${spec.method} ${url.pathname} answered ${status}, expected ${wanted}`);
    }
    let detail = `${spec.method} ${url.pathname} answered ${status}`;
    if (spec.expectBody !== undefined) {
      a.phase = 'body';
      const body = await readBounded(res);
      if (!body.text.includes(spec.expectBody)) {
        const where = body.truncated ? `the first ${MAX_BODY_BYTES} bytes` : `${body.bytes} bytes`;
        throw new CheckFailed(`body does not contain ${quote(spec.expectBody)} (searched ${where})`);
      }
      detail += `, body contains ${quote(spec.expectBody)}`;
    }
    const result: Success = { detail };
    if (cert) {
      const validity = judgeValidity(cert, (ctx.now ?? Date.now)(), DEFAULT_WARN_BEFORE_MS);
      // Verification already refused a bad certificate unless `insecure` asked to accept any.
      const warning = validity.failure ?? validity.warning;
      if (warning) result.warning = warning;
    }
    return result;
  });
}

function request(
  a: Attempt,
  url: URL,
  method: string,
  secure: boolean,
  tlsOptions: https.RequestOptions,
): Promise<{ res: IncomingMessage; cert: PeerCertificate | undefined }> {
  a.phase = 'connect';
  const options: https.RequestOptions = {
    method,
    agent: false,
    headers: { 'user-agent': 'ipferry-check', connection: 'close', accept: '*/*' },
    ...(secure ? tlsOptions : {}),
  };
  const req = secure ? https.request(url, options) : http.request(url, options);
  // Kept for the request's whole life: destroying it mid-flight emits 'error' after we stopped caring.
  req.on('error', () => {});
  a.defer(() => req.destroy());
  req.on('socket', (socket) => {
    socket.once('connect', () => (a.phase = secure ? 'tls handshake' : 'response'));
    socket.once('secureConnect', () => (a.phase = 'response'));
  });
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      res.on('error', () => {});
      a.defer(() => res.destroy());
      // Taken now: with Connection: close the socket (and its certificate) may be gone after the body.
      resolve({ res, cert: secure ? peerCertificate(res.socket as TLSSocket) : undefined });
    });
    req.end();
  });
}

async function readBounded(res: IncomingMessage): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes >= MAX_BODY_BYTES) break; // leaving the loop destroys the stream
  }
  const all = Buffer.concat(chunks);
  return {
    text: all.subarray(0, MAX_BODY_BYTES).toString('utf8'),
    bytes: Math.min(bytes, MAX_BODY_BYTES),
    truncated: bytes >= MAX_BODY_BYTES,
  };
}
