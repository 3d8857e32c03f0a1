/** Who this host is: the config's node entry, checked against EC2 IMDSv2 or Hetzner's metadata service. */
export { compareEc2, compareHetzner, formatMismatches, type Mismatch } from './compare';
export { discoverEc2, type Ec2Identity } from './ec2';
export { discoverHetzner, type HetznerIdentity, type HetznerMetadataOptions } from './hetzner';
export { Imds, type ImdsOptions } from './imds';
export { MetadataError } from './metadata-http';
export {
  IdentityError,
  resolveIdentity,
  type IdentitySource,
  type ResolvedIdentity,
  type ResolveOptions,
} from './resolve';
export { detectEc2NetUtils, type NetUtilsFinding, type NetUtilsProbe } from './ec2-net-utils';
