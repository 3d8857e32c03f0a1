export { CheckSchema, type CheckKind, type CheckSpec } from './checks';
export { canonicalJson, configDigest } from './digest';
export { formatIssue, formatPath, type ConfigIssue } from './issues';
export { ConfigError, configJsonSchema, loadConfig, parseConfig, parseConfigText, type ConfigResult } from './load';
export type { Config, ControlConfig, NodeSpec, Timers, Vip } from './model';
export { resolverOf, resolveTimers } from './normalize';
export { ConfigSchema, type ConfigInput } from './schema';
export { witnessAddress } from './cross-checks';
export { awsWarnings } from './aws-warnings';
export {
  canCarry,
  inNodeSubnet,
  interfaceFor,
  listedEligible,
  missingIdentity,
  onVipSegment,
  subnetBlock,
} from './topology';
export type { TopologyEntry } from './topology-schema';
export { HOST_BOUND_KINDS, VIP_KINDS, type VipKind } from './vips';
export { successionOf } from './succession';
