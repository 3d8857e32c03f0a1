import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Config, Vip } from '../core/config';
import { ec2Arn, hostedZoneIdOf, route53Arn, type ArnScope } from './arns';
import { normalizedRecordName } from './record-names';

/** The tag every ENI, instance and Elastic IP the control plane may move must carry, with the cluster's name. */
export const CLUSTER_TAG = 'ipferry:cluster';

/**
 * Exactly the EC2 calls adapters/aws/ec2 makes, by what the config asks for. A secondary IPv4
 * moves with AllowReassignment and an Elastic IP with AllowReassociation, so neither
 * UnassignPrivateIpAddresses nor DisassociateAddress is ever called; IPv6 cannot be reassigned,
 * so it is unassigned first. test/infra keeps this table and the adapter's calls in step.
 */
export const EC2_CALLS = {
  secondaryIpv4: { write: ['ec2:AssignPrivateIpAddresses'], describe: ['ec2:DescribeNetworkInterfaces'] },
  secondaryIpv6: {
    write: ['ec2:AssignIpv6Addresses', 'ec2:UnassignIpv6Addresses'],
    describe: ['ec2:DescribeNetworkInterfaces'],
  },
  elasticIp: { write: ['ec2:AssociateAddress'], describe: ['ec2:DescribeAddresses'] },
  // DescribeNetworkInterfaces: the new owner's source/destination check is read before a route moves.
  overlayRoute: {
    write: ['ec2:CreateRoute', 'ec2:ReplaceRoute'],
    describe: ['ec2:DescribeRouteTables', 'ec2:DescribeNetworkInterfaces'],
  },
  // An aws-route53 owner record naming an EC2 node's aws.publicIp reads the address EC2 has now
  // (an Elastic IP on the primary address changes it): adapters/aws/ec2/public-address.ts.
  route53OwnerAddress: { write: [], describe: ['ec2:DescribeNetworkInterfaces'] },
} as const;

/** The Route 53 calls adapters/aws/route53 makes: owner records and round-robin sets, A and AAAA only. */
export const ROUTE53_CALLS = {
  change: 'route53:ChangeResourceRecordSets',
  list: 'route53:ListResourceRecordSets',
  getChange: 'route53:GetChange',
  recordTypes: ['A', 'AAAA'],
  changeActions: ['DELETE', 'UPSERT'],
} as const;

export interface ProviderPermissions {
  /** Mutating EC2 calls, each limited by the cluster tag or to the configured route tables. */
  ec2: PolicyStatement[];
  /** Describe* calls: EC2 offers no resource-level permissions for them, so they need "*". */
  ec2Describe: PolicyStatement | undefined;
  /** Record changes per hosted zone (limited to the managed names), reads, and change status. */
  route53: PolicyStatement[];
}

/** Only what the config's VIP kinds and DNS record sets need: nothing for kinds it does not use. */
export function providerPermissions(config: Config, arns: ArnScope): ProviderPermissions {
  const ec2 = ec2Statements(config, arns);
  return { ...ec2, route53: route53Statements(config, arns) };
}

function ec2Statements(config: Config, arns: ArnScope): Omit<ProviderPermissions, 'route53'> {
  const of = (kind: Vip['kind']): Vip[] => config.vips.filter((v) => v.kind === kind);
  const secondary = of('aws-secondary-ip');
  const needs = {
    secondaryIpv4: secondary.some((v) => v.ip?.family !== 6),
    secondaryIpv6: secondary.some((v) => v.ip?.family === 6),
    elasticIp: of('aws-elastic-ip').length > 0,
    overlayRoute: of('aws-overlay-route').length > 0,
    route53OwnerAddress: of('aws-route53').length > 0 && config.nodes.some((n) => n.aws?.eni && n.aws.publicIp),
  };
  const tagged = { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: config.cluster } };
  const statements: PolicyStatement[] = [];
  const describe = new Set<string>();
  for (const need of Object.keys(needs) as (keyof typeof needs)[]) {
    if (needs[need]) for (const a of EC2_CALLS[need].describe) describe.add(a);
  }
  const secondaryActions = [
    ...(needs.secondaryIpv4 ? EC2_CALLS.secondaryIpv4.write : []),
    ...(needs.secondaryIpv6 ? EC2_CALLS.secondaryIpv6.write : []),
  ];
  if (secondaryActions.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'MoveSecondaryIpsBetweenClusterEnis',
        effect: Effect.ALLOW,
        actions: secondaryActions,
        resources: [ec2Arn(arns, 'network-interface/*')],
        conditions: tagged,
      }),
    );
  }
  if (needs.elasticIp) {
    // AssociateAddress authorizes the allocation and the target (interface, or its instance): all tagged.
    statements.push(
      new PolicyStatement({
        sid: 'AssociateClusterElasticIps',
        effect: Effect.ALLOW,
        actions: [...EC2_CALLS.elasticIp.write],
        resources: [ec2Arn(arns, 'elastic-ip/*'), ec2Arn(arns, 'network-interface/*'), ec2Arn(arns, 'instance/*')],
        conditions: tagged,
      }),
    );
  }
  if (needs.overlayRoute) {
    const tables = [...new Set(of('aws-overlay-route').flatMap((v) => v.aws?.routeTables ?? []))].sort();
    statements.push(
      new PolicyStatement({
        sid: 'PointOverlayRoutesInConfiguredTables',
        effect: Effect.ALLOW,
        actions: [...EC2_CALLS.overlayRoute.write],
        resources: tables.map((t) => ec2Arn(arns, `route-table/${t}`)),
      }),
    );
  }
  const ec2Describe =
    describe.size === 0
      ? undefined
      : new PolicyStatement({
          sid: 'DescribeEc2State',
          effect: Effect.ALLOW,
          actions: [...describe].sort(),
          resources: ['*'],
        });
  return { ec2: statements, ec2Describe };
}

/** Managed record names per zone: owner records of aws-route53 VIPs and the dns[] round-robin sets. */
export function managedRecords(config: Config): Map<string, string[]> {
  const byZone = new Map<string, Set<string>>();
  const add = (zone: string, name: string): void => {
    const id = hostedZoneIdOf(zone);
    byZone.set(id, (byZone.get(id) ?? new Set()).add(normalizedRecordName(name)));
  };
  for (const v of config.vips)
    if (v.kind === 'aws-route53' && v.aws?.hostedZoneId && v.aws.recordName) add(v.aws.hostedZoneId, v.aws.recordName);
  for (const d of config.dns) add(d.hostedZoneId, d.name);
  return new Map([...byZone].sort(([a], [b]) => a.localeCompare(b)).map(([zone, names]) => [zone, [...names].sort()]));
}

function route53Statements(config: Config, arns: ArnScope): PolicyStatement[] {
  const zones = managedRecords(config);
  if (zones.size === 0) return [];
  const zoneArn = (zone: string): string => route53Arn(arns, `hostedzone/${zone}`);
  // One statement per zone, so a name managed in one zone cannot be written in another.
  const changes = [...zones].map(
    ([zone, names]) =>
      new PolicyStatement({
        sid: `ChangeManagedRecordsIn${zone.replace(/[^A-Za-z0-9]/g, '')}`,
        effect: Effect.ALLOW,
        actions: [ROUTE53_CALLS.change],
        resources: [zoneArn(zone)],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
            'route53:ChangeResourceRecordSetsRecordTypes': [...ROUTE53_CALLS.recordTypes],
            'route53:ChangeResourceRecordSetsActions': [...ROUTE53_CALLS.changeActions],
          },
          // ForAllValues holds vacuously for a missing key: insist the names are present.
          Null: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': 'false' },
        },
      }),
  );
  return [
    ...changes,
    new PolicyStatement({
      sid: 'ReadManagedZones',
      effect: Effect.ALLOW,
      actions: [ROUTE53_CALLS.list],
      resources: [...zones.keys()].map(zoneArn),
    }),
    new PolicyStatement({
      sid: 'FollowRecordChanges',
      effect: Effect.ALLOW,
      actions: [ROUTE53_CALLS.getChange],
      resources: [route53Arn(arns, 'change/*')],
    }),
  ];
}
