import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';

/** Where ARNs point: literal when the stack's environment is known, CloudFormation references when not. */
export interface ArnScope {
  partition: string;
  region: string;
  account: string;
}

export function arnScopeOf(scope: IConstruct): ArnScope {
  const stack = Stack.of(scope);
  // A known region names its partition, so policies read as plain ARNs instead of Fn::Join.
  const partition = Token.isUnresolved(stack.region)
    ? stack.partition
    : (RegionInfo.get(stack.region).partition ?? stack.partition);
  return { partition, region: stack.region, account: stack.account };
}

export const ec2Arn = (s: ArnScope, resource: string): string =>
  `arn:${s.partition}:ec2:${s.region}:${s.account}:${resource}`;

/** Route 53 is global: no region, no account in its ARNs. */
export const route53Arn = (s: ArnScope, resource: string): string => `arn:${s.partition}:route53:::${resource}`;

/** Config may name a zone as "Z123" or "/hostedzone/Z123" (as the API returns it). */
export const hostedZoneIdOf = (id: string): string => id.replace(/^\/?hostedzone\//, '');
