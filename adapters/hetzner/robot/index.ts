export {
  HETZNER_ROBOT_API,
  HetznerRobotClient,
  type CallOptions,
  type HetznerRobotClientOptions,
  type SwitchResult,
} from './client';
export { robotReasonFor, robotShouldRetry } from './errors';
export type { Failover } from './schemas';
export { SwitchBudget } from './switch-budget';
export { HetznerRobotProvider, type HetznerRobotProviderOptions } from './provider';
