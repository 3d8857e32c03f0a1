/** The EC2 provider adapter (secondary IPs, IPv6, Elastic IPs, overlay routes): see provider.ts. */
export { createEc2Client, DEFAULT_REQUEST_TIMEOUT_MS, type Ec2ClientOptions, type Ec2Sender } from './client';
export { classifyEc2Error, EC2_SERVICE } from './errors';
export { type Frame, type FrameOptions, type MoveOutcome, type PollVerdict } from '../frame';
export { destinationOf } from './overlay-route';
export { Ec2PublicAddressReader, type Ec2PublicAddressOptions, type PublicAddressRead } from './public-address';
export { EC2_KINDS, Ec2Provider, type Ec2ProviderOptions, type Ec2VipKind } from './provider';
export { classifySdkError, reasonForCode, reasonForStatus, type ServiceCodes } from '../sdk-errors';
export { ThrottleWatch } from '../throttle-watch';
