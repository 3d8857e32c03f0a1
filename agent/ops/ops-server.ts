import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AgentMetrics } from './metrics';

export interface OpsServer {
  /** "127.0.0.1:9477", the port read back when 0 was asked for. */
  address: string;
  port: number;
  close(): Promise<void>;
}

export interface OpsServerOptions {
  /** host:port; loopback by default: only the operations (`routes`) are authenticated. */
  listen: string;
  metrics: AgentMetrics;
  status: () => unknown;
  logger: Logger;
  /** More routes (peer mode's /v1 operations, agent/peer/ops-http.ts): true when it answered the request. */
  routes?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

/**
 * The agent's local endpoint: `GET /metrics` (Prometheus text) and `GET /status` (JSON, what
 * `ipferry agent status` prints). Read-only, so it changes nothing whoever calls it; peer mode's
 * operations (`routes`) need the agent's token.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { host, port } = parseListen(options.listen);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (options.routes?.(req, res)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n');
    if (path === '/metrics') {
      options.metrics.text().then(
        (text) => send(res, 200, options.metrics.registry.contentType, text),
        (err: Error) => {
          options.logger.error({ err: err.message }, 'cannot render metrics');
          send(res, 500, 'text/plain', `cannot render metrics: ${err.message}\n`);
        },
      );
      return;
    }
    if (path === '/status') {
      try {
        return send(res, 200, 'application/json', `${JSON.stringify(options.status())}\n`);
      } catch (err) {
        return send(res, 500, 'text/plain', `cannot build status: ${(err as Error).message}\n`);
      }
    }
    send(res, 404, 'text/plain', 'try /metrics or /status\n');
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`cannot listen on ${options.listen} for /metrics and /status: ${err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** "127.0.0.1:9477", "[::1]:9477" or ":9477" (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`expected host:port, got "${text}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
