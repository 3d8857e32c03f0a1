// The construct and what its users need around it (usable in any CDK app).
export { IpFerryControlPlane } from './control-plane';
export { DEFAULTS, type FunctionName, type IpFerryControlPlaneProps } from './props';
export { IpFerryStack, stackNameOf, type IpFerryStackProps } from './stack';
export { addNagPacks } from './nag';
export { CLUSTER_TAG } from './provider-permissions';
export { deployConfig, type DeployConfig } from './deploy-config';
export type { SecretArns, SecretRole } from './secrets';
