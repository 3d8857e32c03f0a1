import { Etcd3 } from 'etcd3';
import type { EtcdConnectOptions } from '../etcd-store/client';

/**
 * A client for what the store's request-answer wrapper (adapters/etcd-store/client.ts) does not
 * do: watches and the election, which are streams. Same endpoints, TLS and credentials; streams
 * get no call deadline (they are meant to stay open), unary calls the store's.
 */
export function connectCoordination(opts: EtcdConnectOptions): Etcd3 {
  const timeout = opts.callTimeoutMs ?? 2000;
  return new Etcd3({
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
  });
}
