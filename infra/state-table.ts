import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * The store's layout (adapters/dynamodb-store/keys.ts): string keys pk/sk, events and retired
 * chunks expire through the `expiresAt` TTL attribute. No indexes.
 */
export const STORE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttl: 'expiresAt' } as const;

/**
 * The item calls adapters/dynamodb-store makes — narrower than grantReadWriteData (no Scan, no
 * BatchWriteItem, no ConditionCheckItem, no DescribeTable). test/infra keeps this in step with
 * the store's commands.
 */
export const STORE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

export interface StateTableOptions {
  tableName: string;
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

/**
 * On demand (heartbeats arrive in bursts and idle clusters cost nothing), point-in-time recovery
 * on. Encrypted with the AWS managed key: key use shows in CloudTrail and nothing needs a key
 * policy. The table holds assignments, heartbeat views and events — no secrets (those are in
 * Secrets Manager) — so a customer managed key's extra control is not worth its upkeep.
 */
export function stateTable(scope: Construct, opts: StateTableOptions): Table {
  return new Table(scope, 'State', {
    tableName: opts.tableName,
    partitionKey: { name: STORE_KEYS.partitionKey, type: AttributeType.STRING },
    sortKey: { name: STORE_KEYS.sortKey, type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: STORE_KEYS.ttl,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    deletionProtection: opts.deletionProtection,
    removalPolicy: opts.removalPolicy,
  });
}

export function stateTableStatement(table: Table): PolicyStatement {
  return new PolicyStatement({
    sid: 'ReadWriteClusterState',
    effect: Effect.ALLOW,
    actions: [...STORE_ACTIONS],
    resources: [table.tableArn],
  });
}
