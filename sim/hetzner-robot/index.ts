export { HetznerRobotEmulator } from './emulator';
export { RobotApiError, type RobotErrorCode } from './errors';
export { demoRobotSeed } from './fixtures';
export { RequestWindow } from './request-window';
export {
  DEFAULT_ROBOT_CREDENTIALS,
  DEFAULT_ROUTING_MS,
  DEFAULT_SWITCHES_PER_HOUR,
  REAL_READS_PER_HOUR,
  REAL_ROUTING_MS,
  type FailoverIpSeed,
  type RobotSeed,
  type RobotServerSeed,
} from './seed';
