export { CheckSchema, type CheckKind, type CheckSpec } from './checks';
export { canonicalJson, configDigest } from './digest';
export { formatIssue, formatPath, type ConfigIssue } from './issues';
export { ConfigError, configJsonSchema, loadConfig, parseConfig, parseConfigText, type ConfigResult } from './load';
export type { Config, ControlConfig, NodeSpec, Timers, Vip } from './model';
export { resolverOf, resolveTimers } from './normalize';
export { ConfigSchema, type ConfigInput } from './schema';
export { canCarry, inNodeSubnet, listedEligible, missingIdentity, subnetBlock } from './topology';
export { HOST_BOUND_KINDS, VIP_KINDS, type VipKind } from './vips';
