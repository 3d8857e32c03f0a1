import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerOk, parseListen, sendJson } from '../control/http';
import { serveStatusPage } from '../control/status-page/serve';
import type { ApiClient } from './api-client';

export interface StatusProxy {
  /** The page's address with a one-time token in the fragment (never sent over the wire, never in a Referer). */
  pageUrl: string;
  close(): Promise<void>;
}

/** The only API routes the page reads; the proxy forwards nothing else, so it can never drain or move. */
const READ_ROUTES = new Set(['/v1/status', '/v1/events']);

/**
 * The status page for a control plane a browser cannot call itself: the Lambda API behind SigV4
 * (IAM), or a local one whose token the operator would rather not type. Listens on loopback only,
 * serves the page's static assets, and forwards GET /v1/status and /v1/events through the CLI's
 * API client (signed with the operator's AWS credentials, or with the local bearer token). Its own
 * callers need a random token of its own, handed to the page in the URL fragment: another user or
 * process on the same host cannot borrow the operator's credentials through it.
 */
export async function startStatusProxy(opts: {
  client: ApiClient;
  listen?: string;
  token?: string;
}): Promise<StatusProxy> {
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:0');
  if (!/^127\.|^::1$|^localhost$/.test(host))
    throw new Error(`the status proxy listens on loopback only, not ${host}: it signs with your credentials`);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (serveStatusPage(req.method, url.pathname, res)) return;
    if (!bearerOk(req.headers.authorization, token))
      return sendJson(res, 401, {
        error: { reason: 'forbidden', message: 'open the page through the address ipferry page printed' },
      });
    if (!READ_ROUTES.has(url.pathname))
      return sendJson(res, 404, {
        error: { reason: 'not-found', message: `the status proxy forwards only ${[...READ_ROUTES].join(' and ')}` },
      });
    if (req.method !== 'GET')
      return sendJson(res, 405, { error: { reason: 'invalid', message: 'the status proxy only reads (GET)' } });
    const limit = url.searchParams.get('limit');
    const path =
      url.pathname === '/v1/events' && limit !== null && /^\d{1,4}$/.test(limit)
        ? `/v1/events?limit=${limit}`
        : url.pathname;
    opts.client.request('GET', path).then(
      (a) => sendJson(res, a.status, a.body),
      (err: unknown) =>
        sendJson(res, 502, {
          error: { reason: 'transient', message: err instanceof Error ? err.message : String(err) },
        }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const base = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  return {
    pageUrl: `${base}/status#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
