export { HetznerCloudEmulator } from './emulator';
export { CloudApiError, type CloudErrorCode } from './errors';
export { findLocation, locationNames, type Location } from './locations';
export {
  DEFAULT_ACTION_DURATION_MS,
  DEFAULT_ALIAS_LIMIT,
  DEFAULT_TOKEN,
  type CloudSeed,
  type FloatingIpSeed,
  type NetworkSeed,
  type ServerSeed,
  type SubnetSeed,
} from './seed';
export { demoCloudSeed } from './fixtures';
