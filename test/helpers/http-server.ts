import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface Route {
  status?: number;
  body?: string;
  /** Wait this long before answering (a slow service). */
  delayMs?: number;
}

export interface HttpServer {
  port: number;
  /** The full URL of a path on this server: url('/health'). */
  url(path: string): string;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  /** Connections still open on the server's side. */
  open(): number;
  close(): Promise<void>;
}

/** An HTTP(S) server on 127.0.0.1, port 0, answering fixed routes; anything else is 404. */
export async function startHttpServer(
  routes: Record<string, Route>,
  options: { tls?: { key: string; cert: string } } = {},
): Promise<HttpServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const handler: http.RequestListener = (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const route = routes[req.url ?? ''] ?? { status: 404, body: 'not found' };
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.writeHead(route.status ?? 200, { 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : (route.body ?? ''));
    }, route.delayMs ?? 0);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };
  const server = options.tls ? https.createServer({ ...options.tls }, handler) : http.createServer(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  return {
    port,
    url: (path) => `${scheme}://127.0.0.1:${port}${path}`,
    requests,
    open: () => sockets.size,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
