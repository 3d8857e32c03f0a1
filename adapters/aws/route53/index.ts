/** The Route 53 adapters: owner records (provider.ts) and round-robin membership (publisher.ts). */
export { canonicalSorted, fqdn, Route53Api, type AddressRecord, type AddressRecords } from './api';
export { Route53Budget } from './budget';
export {
  createRoute53Client,
  DEFAULT_ROUTE53_REQUEST_TIMEOUT_MS,
  type Route53ClientOptions,
  type Route53Sender,
} from './client';
export { Route53Core, type Route53Options } from './core';
export { classifyRoute53Error, ROUTE53_SERVICE } from './errors';
export { membershipAddresses } from './membership';
export { currentOwnerAddress, ownerAddress, type PublicAddressPort } from './owner-address';
export { Route53Provider } from './provider';
export { Route53RecordSetPublisher } from './publisher';
export { changesFor, type DesiredRecords } from './sync';
