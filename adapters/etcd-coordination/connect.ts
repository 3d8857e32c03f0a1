import { Etcd3 } from 'etcd3';
import { etcd3Options, type EtcdConnectOptions } from '../etcd-store/connection';

/**
 * A client for what the store's request-answer wrapper (adapters/etcd-store/client.ts) does not
 * do: watches and the election, which are streams. Its connection (endpoints, TLS, credentials,
 * deadlines) is built by the same etcd3Options as the store's; only the store's client adds its
 * own fault handling (a short per-member breaker and one retry), which a long-lived stream does not use.
 */
export function connectCoordination(opts: EtcdConnectOptions): Etcd3 {
  return new Etcd3(etcd3Options(opts));
}
