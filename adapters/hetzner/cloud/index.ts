export { CallCounter } from '../../provider-kit/call-counter';
export { HETZNER_CLOUD_API, HetznerCloudClient, type CallOptions, type HetznerCloudClientOptions } from './client';
export { hetznerCloudShouldRetry, reasonFor } from './errors';
export { estimateBudget, type RateLimitState } from './rate-limit';
export type { Action, FloatingIp, Network, PrivateNet, Server } from './schemas';
export type { WaitOptions } from './wait';
export { HetznerCloudProvider, type HetznerCloudProviderOptions } from './provider';
export { runMove, type FrameOptions, type MoveFrame, type MoveOutcome, type PollVerdict } from '../frame';
