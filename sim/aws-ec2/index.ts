/** The EC2 Query API emulator: see emulator.ts (behaviour), seed.ts (seed format), admin.ts (admin routes). */
export { Ec2Emulator, type Ec2EmulatorOptions } from './emulator';
export { DEFAULT_MAX_IPV4_PER_ENI, SeedError, type Ec2Seed } from './seed';
export { DEFAULT_EC2_SETTINGS, type Ec2Settings } from './actions/context';
export type { DenyRule } from './admin';
export type { Ec2State, Eip, EipAssociation, Eni, Instance, Route, RouteTable, Subnet, Vpc } from './state';
export { exampleEc2Seed } from './example-seed';
