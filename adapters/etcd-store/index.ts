export { EtcdStore, type EtcdStoreOptions } from './etcd-store';
export { connectEtcd, type EtcdClient, type EtcdConnectOptions } from './client';
export { DEFAULT_PREFIX, Keys } from './keys';
export { holdNodeLease, type NodeLease, type NodeLeaseOptions } from './node-lease';
