/** The Route 53 REST-XML emulator: see emulator.ts (behaviour), seed.ts (seed format), operations.ts (routes), admin.ts. */
export { Route53Emulator, type Route53EmulatorOptions } from './emulator';
export { DEFAULT_ROUTE53_SETTINGS, type Route53Settings } from './settings';
export { Route53SeedError, type Route53Seed } from './seed';
export type { ChangeRecord, HostedZone, RecordSet, Zones } from './state';
export { EXAMPLE_ZONE_ID, exampleRoute53Seed } from './example-seed';
