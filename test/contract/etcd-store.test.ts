import { afterAll, beforeAll } from 'vitest';
import { connectEtcd, EtcdStore, type EtcdClient } from '../../adapters/etcd-store';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { storeContract } from './store-contract';

let etcd: EtcdCluster;
let client: EtcdClient;
let n = 0;
beforeAll(async () => {
  etcd = await startEtcd();
  client = connectEtcd({ endpoints: etcd.endpoints, callTimeoutMs: 5000 });
});
afterAll(async () => {
  client?.close();
  await etcd?.close();
});

// One etcd for the file; each case gets a prefix of its own, so it starts empty.
storeContract('EtcdStore (real etcd 3.4, etcd3 client)', async () => {
  const store = new EtcdStore({ client, prefix: `/contract-${++n}/` });
  return { store, close: async () => {} };
});
