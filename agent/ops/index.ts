/** Operations: Prometheus metrics and the local status endpoint. */
export { AgentMetrics } from './metrics';
export { parseListen, startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server';
