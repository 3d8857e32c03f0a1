import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { parseConfigText, configDigest } from '../../core/config';
import { EXAMPLE_AWS, readText, synth, type Synthesized } from './helpers/synth';

type Fn = { Properties: Record<string, unknown> & { Environment: { Variables: Record<string, unknown> } } };

describe('resources of the control plane (AWS example, defaults)', () => {
  let s: Synthesized;
  let fns: Record<string, Fn>;
  beforeAll(() => {
    s = synth(readText(EXAMPLE_AWS));
    const all = s.template.findResources('AWS::Lambda::Function') as Record<string, Fn>;
    const pick = (name: string): Fn => Object.entries(all).find(([id]) => id.startsWith(`ControlPlane${name}Function`))![1];
    fns = { heartbeat: pick('Heartbeat'), tick: pick('Tick'), api: pick('Api') };
  });

  it('state table: pk/sk strings, on demand, TTL expiresAt, PITR, AWS managed encryption, protected and retained', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'ipferry-mail-eu',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a key: the AWS managed key aws/dynamodb.
        SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: Match.absent(),
      },
    });
  });

  it('three functions: arm64, nodejs24.x, active tracing, explicit memory and timeouts', () => {
    for (const [name, fn] of Object.entries(fns)) {
      expect(fn.Properties, name).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 512, TracingConfig: { Mode: 'Active' } });
    }
    expect([fns.heartbeat!.Properties.Timeout, fns.tick!.Properties.Timeout, fns.api!.Properties.Timeout]).toEqual([30, 50, 30]);
  });

  it('environment per docs/aws-runtime.md; the config is the same document (same digest) as compact JSON', () => {
    const original = parseConfigText(readText(EXAMPLE_AWS));
    for (const fn of Object.values(fns)) {
      const env = fn.Properties.Environment.Variables;
      expect(Object.keys(env).sort()).toEqual(['IPFERRY_CONFIG', 'IPFERRY_TABLE', 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
      expect(env).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'ipferry', POWERTOOLS_METRICS_NAMESPACE: 'ipferry', POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps', IPFERRY_TABLE: { Ref: expect.stringMatching(/^ControlPlaneState/) } });
      const embedded = parseConfigText(env.IPFERRY_CONFIG as string);
      expect(embedded.ok && original.ok && configDigest(embedded.config)).toBe(original.ok && configDigest(original.config));
      expect((env.IPFERRY_CONFIG as string).includes('\n')).toBe(false);
    }
  });

  it('each function logs to its own group, kept 30 days', () => {
    s.template.resourceCountIs('AWS::Logs::LogGroup', 3);
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const groups = Object.values(fns).map((f) => (f.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref);
    expect(new Set(groups).size).toBe(3);
  });

  it('heartbeat URL: auth NONE (signed heartbeats); API URL: AWS_IAM', () => {
    s.template.resourceCountIs('AWS::Lambda::Url', 2);
    s.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneHeartbeatFunction'), 'Arn'] } });
    s.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneApiFunction'), 'Arn'] } });
    // Public invocation is allowed only through the heartbeat URL; nothing public on tick or API.
    const publicPermissions = Object.values(s.template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } })) as { Properties: { FunctionName: { 'Fn::GetAtt': [string] } } }[];
    expect(publicPermissions.length).toBe(2);
    for (const p of publicPermissions) expect(p.Properties.FunctionName['Fn::GetAtt'][0]).toMatch(/^ControlPlaneHeartbeatFunction/);
  });

  it('tick: rate(1 minute) schedule with a dead-letter queue, reserved concurrency 1, no retries, failures to the queue', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneTickFunction'), 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneFailedTicks'), 'Arn'] } } }],
    });
    expect(fns.tick!.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(fns.heartbeat!.Properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(fns.api!.Properties.ReservedConcurrentExecutions).toBeUndefined();
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ControlPlaneTickFunction') },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneFailedTicks'), 'Arn'] } } },
    });
  });

  it('failed-tick queue: encrypted (SSE-SQS), TLS enforced, kept 14 days', () => {
    s.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('alarms on docs/aws-runtime.md metrics (namespace ipferry, cluster and service dimensions) and on Lambda errors', () => {
    const alarms = s.template.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Record<string, unknown> }>;
    const byName = Object.fromEntries(Object.values(alarms).map((a) => [(a.Properties.AlarmName as string).replace('ipferry-mail-eu-', ''), a.Properties]));
    expect(Object.keys(byName).sort()).toEqual(['HeartbeatErrors', 'HeartbeatThrottles', 'HeartbeatsStopped', 'NodesDead', 'ProviderErrors', 'TickErrors', 'UnownedVips']);
    const dims = [
      { Name: 'cluster', Value: 'mail-eu' },
      { Name: 'service', Value: 'ipferry' },
    ];
    expect(byName.NodesDead).toMatchObject({ Namespace: 'ipferry', MetricName: 'NodesDead', Dimensions: dims, Statistic: 'Maximum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(byName.UnownedVips).toMatchObject({ Namespace: 'ipferry', MetricName: 'UnownedVips', Dimensions: dims, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(byName.ProviderErrors).toMatchObject({ Namespace: 'ipferry', MetricName: 'ProviderErrors', Dimensions: dims, Statistic: 'Sum', Threshold: 1 });
    expect(byName.HeartbeatsStopped).toMatchObject({ MetricName: 'Heartbeats', Dimensions: dims, ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching', Period: 300 });
    expect(byName.TickErrors).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ControlPlaneTickFunction/) } }], Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(byName.HeartbeatErrors).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ControlPlaneHeartbeatFunction/) } }] });
    expect(byName.HeartbeatThrottles).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
    // No topic by default: alarms show on the dashboard only.
    for (const a of Object.values(byName)) expect(a.AlarmActions).toBeUndefined();
  });

  it('dashboard: failovers, decisions, heartbeats, dead nodes, unowned VIPs, provider errors, tick duration, API errors and throttles', () => {
    const dashboards = s.template.findResources('AWS::CloudWatch::Dashboard') as Record<string, { Properties: { DashboardName: string; DashboardBody: unknown } }>;
    const [dashboard] = Object.values(dashboards);
    expect(dashboard!.Properties.DashboardName).toBe('ipferry-mail-eu');
    const body = JSON.stringify(s.stack.resolve(dashboard!.Properties.DashboardBody));
    for (const metric of ['Failovers', 'Decisions', 'Heartbeats', 'HeartbeatsRefused', 'NodesDead', 'UnownedVips', 'ProviderErrors', 'ProviderThrottles', 'TickDurationMs']) {
      expect(body, metric).toContain(`\\"ipferry\\",\\"${metric}\\",\\"cluster\\",\\"mail-eu\\",\\"service\\",\\"ipferry\\"`);
    }
    for (const title of ['API errors and throttles', 'Tick duration (ms)', 'Failovers and decisions']) expect(body).toContain(title);
    expect(body).toContain('\\"AWS/Lambda\\",\\"Throttles\\"');
    expect(body).toContain('p99');
  });

  it('outputs: heartbeat URL, API URL, table name, dashboard', () => {
    const outputs = s.template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'DashboardName', 'HeartbeatUrl', 'TableName']);
    expect(outputs.HeartbeatUrl!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ControlPlaneHeartbeatFunctionFunctionUrl/), 'FunctionUrl'] });
    expect(outputs.ApiUrl!.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ControlPlaneApiFunctionFunctionUrl/), 'FunctionUrl'] });
    expect(outputs.TableName!.Value).toEqual({ Ref: expect.stringMatching(/^ControlPlaneState/) });
  });

  it('functions start only after the shared policy exists', () => {
    for (const [id, r] of Object.entries(s.template.findResources('AWS::Lambda::Function')) as [string, { DependsOn: string[] }][]) {
      expect(r.DependsOn.some((d) => d.startsWith('ControlPlaneControlPlanePolicy')), id).toBe(true);
    }
  });
});

describe('props change what they say', () => {
  it('removal policy, deletion protection, log retention, concurrency, tracing and tick rate', () => {
    const s = synth(readText(EXAMPLE_AWS), {
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      tableDeletionProtection: false,
      logRetention: RetentionDays.ONE_WEEK,
      reservedConcurrency: { heartbeat: 20 },
      tracing: false,
      tickRate: Duration.minutes(5),
    });
    s.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: false } });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    s.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    const fns = Object.entries(s.template.findResources('AWS::Lambda::Function')) as [string, { Properties: Record<string, unknown> }][];
    for (const [id, fn] of fns) {
      expect(fn.Properties.TracingConfig, id).toBeUndefined();
      expect(fn.Properties.ReservedConcurrentExecutions, id).toBe(id.startsWith('ControlPlaneHeartbeat') ? 20 : undefined);
    }
    expect(JSON.stringify(s.template.toJSON())).not.toContain('xray:');
  });

  it('createAlarmTopic: a KMS-encrypted, TLS-only topic that only this account\'s CloudWatch alarms may publish to, on every alarm', () => {
    const s = synth(readText(EXAMPLE_AWS), { createAlarmTopic: true });
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneAlarmTopicKey'), 'Arn'] } });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-central-1:111111111111:alarm:*' } },
          }),
        ]),
      },
    });
    for (const a of Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions: unknown[]; OKActions: unknown[] } }[]) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ControlPlaneAlarmTopic/) }]);
      expect(a.Properties.OKActions).toEqual(a.Properties.AlarmActions);
    }
    expect(s.template.findOutputs('AlarmTopicArn')).not.toEqual({});
  });

  it('alarmTopicArn: alarms go to the existing topic, nothing is created', () => {
    const arn = 'arn:aws:sns:eu-central-1:111111111111:ops';
    const s = synth(readText(EXAMPLE_AWS), { alarmTopicArn: arn });
    s.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const a of Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions: unknown[] } }[]) expect(a.Properties.AlarmActions).toEqual([arn]);
  });
});
