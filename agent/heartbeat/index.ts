/** The heartbeat: build and sign, carry (HTTP now, UDP in peer mode), back off, report. */
export { backoffDelay, defaultMaxBackoff, type BackoffOptions } from './backoff';
export { HeartbeatBuilder, type BuiltHeartbeat, type HeartbeatBuilderOptions, type HeartbeatSources } from './builder';
export { HeartbeatClient, type ControlStatus, type HeartbeatClientOptions } from './client';
export { HttpTransport, type HttpTransportOptions } from './http-transport';
export { endedBy, type FailedReason, type HeartbeatTransport, type SendOptions, type SendResult } from './transport';
export { controlTransport, heartbeatUrl } from './url';
