import type { IOptions } from 'etcd3';

export interface EtcdConnectOptions {
  endpoints: readonly string[];
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
  /** Deadline of each call, ms (default 2000). */
  callTimeoutMs?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 2000;

/**
 * How every etcd3 client of ours connects: endpoints, TLS, credentials, the dial timeout, and a
 * deadline on every request-answer call (streams get none: they are meant to stay open). The one
 * place both the store's client (client.ts) and the coordination client (watches, election) build
 * their connection from, so a TLS or auth change cannot reach one and miss the other.
 */
export function etcd3Options(opts: EtcdConnectOptions): IOptions {
  const timeout = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  return {
    hosts: [...opts.endpoints],
    dialTimeout: timeout,
    ...(opts.tls
      ? {
          credentials: {
            rootCertificate: opts.tls.ca,
            ...(opts.tls.cert ? { certChain: opts.tls.cert } : {}),
            ...(opts.tls.key ? { privateKey: opts.tls.key } : {}),
          },
        }
      : {}),
    ...(opts.auth ? { auth: { ...opts.auth, callOptions: () => ({ deadline: Date.now() + timeout }) } } : {}),
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  };
}
