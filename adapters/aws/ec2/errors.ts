import type { FailureReason } from '../../../core/reasons';
import type { ProviderError } from '../../../core/reasons';
import { classifySdkError, type ServiceCodes } from '../sdk-errors';

/**
 * EC2's error codes onto core's failure reasons. Codes shared by every AWS service (throttling,
 * 5xx, credentials, parameter errors) are in sdk-errors.ts; `*.NotFound` and `*.Malformed` are
 * matched by pattern there. What is here is EC2's own vocabulary for "this state refuses it".
 */
const EC2_CODES: Record<string, FailureReason> = {
  'Resource.AlreadyAssociated': 'conflict',
  IncorrectState: 'conflict',
  IncorrectInstanceState: 'conflict',
  'InvalidIPAddress.InUse': 'conflict',
  'InvalidNetworkInterface.InUse': 'conflict',
  RouteAlreadyExists: 'conflict',
  ConcurrentTagAccess: 'conflict',
  PrivateIpAddressLimitExceeded: 'invalid',
  AddressLimitExceeded: 'invalid',
  InsufficientFreeAddressesInSubnet: 'invalid',
  InvalidInstanceID: 'invalid',
  DryRunOperation: 'invalid',
  MissingAction: 'invalid',
};

export const EC2_SERVICE: ServiceCodes = { service: 'EC2', codes: EC2_CODES };

export function classifyEc2Error(err: unknown, action: string): ProviderError {
  return classifySdkError(err, action, EC2_SERVICE);
}
