import type { Server } from 'node:http';
import { canonicalIp } from '../core/ip';

/** 127.0.0.0/8, ::1, localhost: only processes on this host reach it. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const ip = canonicalIp(host);
  return ip !== undefined && (ip === '::1' || /^127\./.test(ip) || /^::ffff:127\./.test(ip));
}

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
