/** The on-host agent: identity, checks, heartbeats, host plumbing, hooks, metrics. */
export { Agent, type AgentOptions, type AgentStatus, type StopReport } from './agent';
export { runDaemon, type DaemonOptions, type StopSignal } from './daemon';
export { signerFor, type SignerSources } from './signer';
