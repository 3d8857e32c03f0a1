import type { ServerResponse } from 'node:http';
import { PAGE_CSS, PAGE_HTML } from './assets';
import { CLIENT_JS } from './client-bundle';

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Only what this origin serves, no inline code or style, no framing, no HTML sinks in scripts
 * (Trusted Types), forms posting nowhere: the page's data is untrusted text and must stay text.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

const ASSETS: Record<string, { type: string; body: string }> = {
  '/status': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/status/page.js': { type: 'text/javascript; charset=utf-8', body: CLIENT_JS },
  '/status/page.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
};

/** The page's own paths: the servers hand these to statusPageResponse before the API's auth. */
export function isStatusPagePath(path: string): boolean {
  return path === '/status' || path.startsWith('/status/');
}

/**
 * The answer for one of the page's paths, or undefined for any other. The assets are static and
 * carry no data, so they need no token; the data comes from /v1/status with it.
 */
export function statusPageResponse(method: string, path: string): PageResponse | undefined {
  if (!isStatusPagePath(path)) return undefined;
  const asset = ASSETS[path.replace(/\/+$/, '') || '/'];
  const m = method.toUpperCase();
  if (!asset) return plain(404, `no such page: ${path.slice(0, 100)}`);
  if (m !== 'GET' && m !== 'HEAD')
    return {
      ...plain(405, 'the status page is read with GET'),
      headers: { ...plain(405, '').headers, allow: 'GET, HEAD' },
    };
  return {
    status: 200,
    headers: { ...PAGE_HEADERS, 'content-type': asset.type },
    body: m === 'HEAD' ? '' : asset.body,
  };
}

/** Answers one of the page's paths on a node:http response (true), or leaves any other path alone (false). */
export function serveStatusPage(method: string | undefined, path: string, res: ServerResponse): boolean {
  const page = statusPageResponse(method ?? 'GET', path);
  if (!page) return false;
  res.writeHead(page.status, { ...page.headers, 'content-length': Buffer.byteLength(page.body) });
  res.end(page.body);
  return true;
}

function plain(status: number, message: string): PageResponse {
  return { status, headers: { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` };
}
