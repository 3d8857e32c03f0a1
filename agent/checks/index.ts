/** The agent's health checks: one module per kind, the rise/fall state machine, and the runner. */
export { CheckFailed, type CheckContext, type CheckOutcome } from './attempt';
export { CheckRunner, type CheckChange, type CheckResult, type CheckRunnerOptions, type Probe } from './check-runner';
export { dnsCheck } from './dns';
export { execCheck } from './exec';
export { httpCheck, MAX_BODY_BYTES } from './http';
export { mailCheck } from './mail';
export { initialState, observe, reportOf, type CheckState, type RiseFallState, type Thresholds } from './rise-fall';
export { runCheck } from './run-check';
export type * from './specs';
export { tcpCheck } from './tcp';
export { tlsCheck } from './tls';
