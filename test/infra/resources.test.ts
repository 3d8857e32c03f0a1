import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText, configDigest } from '../../core/config';
import { EXAMPLE_AWS, readText, synth, type Synthesized } from './helpers/synth';

type Fn = { Properties: Record<string, unknown> & { Environment: { Variables: Record<string, unknown> } } };

describe('resources of the control plane (AWS example, defaults)', () => {
  let s: Synthesized;
  let fns: Record<string, Fn>;
  beforeAll(() => {
    s = synth(readText(EXAMPLE_AWS));
    const all = s.template.findResources('AWS::Lambda::Function') as Record<string, Fn>;
    const pick = (name: string): Fn =>
      Object.entries(all).find(([id]) => id.startsWith(`ControlPlane${name}Function`))![1];
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

  it('three functions: arm64, nodejs24.x, no X-Ray by default, explicit memory and timeouts', () => {
    for (const [name, fn] of Object.entries(fns)) {
      expect(fn.Properties, name).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        Handler: 'index.handler',
        MemorySize: 512,
      });
      expect(fn.Properties.TracingConfig, name).toBeUndefined();
    }
    expect(JSON.stringify(s.template.toJSON())).not.toContain('xray:');
    expect([fns.heartbeat!.Properties.Timeout, fns.tick!.Properties.Timeout, fns.api!.Properties.Timeout]).toEqual([
      30, 50, 30,
    ]);
  });

  it('environment per docs/aws-runtime.md: a pointer to the config in the asset and its digest, never the config; the answer key for the heartbeat function only', () => {
    const original = parseConfigText(readText(EXAMPLE_AWS));
    const digest = original.ok ? configDigest(original.config) : 'invalid';
    const common = [
      'IPFERRY_CONFIG_DIGEST',
      'IPFERRY_CONFIG_FILE',
      'IPFERRY_METRICS',
      'IPFERRY_TABLE',
      'NODE_OPTIONS',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
    ];
    // A deliberate difference between the functions: only the heartbeat function signs answers.
    expect(fns.heartbeat!.Properties.Environment.Variables.IPFERRY_ANSWER_KEY_SECRET).toEqual({
      Ref: expect.stringMatching(/^ControlPlaneAnswerKeySecret/),
    });
    for (const [name, fn] of Object.entries(fns)) {
      const env = fn.Properties.Environment.Variables;
      expect(Object.keys(env).sort(), name).toEqual(
        name === 'heartbeat' ? [...common, 'IPFERRY_ANSWER_KEY_SECRET'].sort() : common,
      );
      expect(env).toMatchObject({
        IPFERRY_CONFIG_FILE: 'ipferry-config.json',
        IPFERRY_CONFIG_DIGEST: digest,
        IPFERRY_METRICS: 'essential',
        POWERTOOLS_SERVICE_NAME: 'ipferry',
        POWERTOOLS_METRICS_NAMESPACE: 'ipferry',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        IPFERRY_TABLE: { Ref: expect.stringMatching(/^ControlPlaneState/) },
      });
    }
  });

  it('the config staged for the assets is the same document (same digest) as compact JSON', () => {
    const staged = readFileSync(
      join(s.app.outdir, 'ipferry-config', readdirOne(join(s.app.outdir, 'ipferry-config'))),
      'utf8',
    );
    const embedded = parseConfigText(staged);
    const original = parseConfigText(readText(EXAMPLE_AWS));
    expect(embedded.ok && original.ok && configDigest(embedded.config)).toBe(
      original.ok && configDigest(original.config),
    );
    expect(staged.includes('\n')).toBe(false);
    expect(s.stack.controlPlane.configDigest).toBe(original.ok && configDigest(original.config));
  });

  it('each function logs to its own group, kept 30 days', () => {
    s.template.resourceCountIs('AWS::Logs::LogGroup', 3);
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const groups = Object.values(fns).map(
      (f) => (f.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
    );
    expect(new Set(groups).size).toBe(3);
  });

  it('heartbeat URL: auth NONE (signed heartbeats); API URL: AWS_IAM', () => {
    s.template.resourceCountIs('AWS::Lambda::Url', 2);
    s.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneHeartbeatFunction'), 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneApiFunction'), 'Arn'] },
    });
    // Public invocation is allowed only through the heartbeat URL; nothing public on tick or API.
    const publicPermissions = Object.values(
      s.template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } }),
    ) as { Properties: { FunctionName: { 'Fn::GetAtt': [string] } } }[];
    expect(publicPermissions.length).toBe(2);
    for (const p of publicPermissions)
      expect(p.Properties.FunctionName['Fn::GetAtt'][0]).toMatch(/^ControlPlaneHeartbeatFunction/);
  });

  it('tick: rate(1 minute) schedule with a dead-letter queue, reserved concurrency 1, no retries, failures to the queue', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneTickFunction'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneFailedTicks'), 'Arn'] } },
        },
      ],
    });
    expect(fns.tick!.Properties.ReservedConcurrentExecutions).toBe(1);
    // A flood at the public heartbeat URL cannot take the account's Lambda concurrency (issue 17, finding 8).
    expect(fns.heartbeat!.Properties.ReservedConcurrentExecutions).toBe(10);
    expect(fns.api!.Properties.ReservedConcurrentExecutions).toBeUndefined();
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^ControlPlaneTickFunction') },
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneFailedTicks'), 'Arn'] } },
      },
    });
  });

  it('failed-tick queue: encrypted (SSE-SQS), TLS enforced, kept 14 days', () => {
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('five alarms by default, on docs/aws-runtime.md metrics (namespace ipferry, cluster and service dimensions) and on Lambda errors', () => {
    const alarms = s.template.findResources('AWS::CloudWatch::Alarm') as Record<
      string,
      { Properties: Record<string, unknown> }
    >;
    const byName = Object.fromEntries(
      Object.values(alarms).map((a) => [
        (a.Properties.AlarmName as string).replace('ipferry-mail-eu-', ''),
        a.Properties,
      ]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      'HeartbeatErrors',
      'NodesDead',
      'ProviderErrors',
      'TickErrors',
      'UnownedVips',
    ]);
    const dims = [
      { Name: 'cluster', Value: 'mail-eu' },
      { Name: 'service', Value: 'ipferry' },
    ];
    expect(byName.NodesDead).toMatchObject({
      Namespace: 'ipferry',
      MetricName: 'NodesDead',
      Dimensions: dims,
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(byName.UnownedVips).toMatchObject({
      Namespace: 'ipferry',
      MetricName: 'UnownedVips',
      Dimensions: dims,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(byName.ProviderErrors).toMatchObject({
      Namespace: 'ipferry',
      MetricName: 'ProviderErrors',
      Dimensions: dims,
      Statistic: 'Sum',
      Threshold: 1,
    });
    expect(byName.TickErrors).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ControlPlaneTickFunction/) } }],
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(byName.HeartbeatErrors).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ControlPlaneHeartbeatFunction/) } }],
    });
    // No topic by default: alarms show in the CloudWatch console only.
    for (const a of Object.values(byName)) expect(a.AlarmActions).toBeUndefined();
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('outputs: heartbeat URL, API URL, table name, the config digest, the answer key secret', () => {
    const outputs = s.template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'AnswerKeySecretArn',
      'ApiUrl',
      'ConfigDigest',
      'HeartbeatUrl',
      'TableName',
    ]);
    // The operator derives control.answerKey from the secret this names; the description says how.
    expect(outputs.AnswerKeySecretArn!.Value).toEqual({ Ref: expect.stringMatching(/^ControlPlaneAnswerKeySecret/) });
    expect(outputs.AnswerKeySecretArn!.Description).toContain('| ipferry keygen --public-from-seed -');
    expect(outputs.HeartbeatUrl!.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ControlPlaneHeartbeatFunctionFunctionUrl/), 'FunctionUrl'],
    });
    expect(outputs.ApiUrl!.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ControlPlaneApiFunctionFunctionUrl/), 'FunctionUrl'],
    });
    expect(outputs.TableName!.Value).toEqual({ Ref: expect.stringMatching(/^ControlPlaneState/) });
    expect(outputs.ConfigDigest!.Value).toBe(s.stack.controlPlane.configDigest);
  });

  it('the answer key secret: 64 random letters and digits, kept when the stack goes, read by the heartbeat role alone', () => {
    const secrets = s.template.findResources('AWS::SecretsManager::Secret') as Record<
      string,
      { DeletionPolicy: string; Properties: { GenerateSecretString: Record<string, unknown> } }
    >;
    expect(Object.keys(secrets).map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual(['ControlPlaneAnswerKeySecret']);
    const [id, secret] = Object.entries(secrets)[0]!;
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    const readers = Object.entries(
      s.template.findResources('AWS::IAM::Policy') as Record<
        string,
        {
          Properties: {
            PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] };
            Roles: { Ref: string }[];
          };
        }
      >,
    )
      .filter(([, p]) => p.Properties.PolicyDocument.Statement.some((st) => JSON.stringify(st.Resource).includes(id)))
      .flatMap(([, p]) => p.Properties.Roles.map((r) => r.Ref));
    expect(readers).toEqual([expect.stringMatching(/^ControlPlaneHeartbeatRole/)]);
  });

  it('functions start only after the shared policy exists', () => {
    for (const [id, r] of Object.entries(s.template.findResources('AWS::Lambda::Function')) as [
      string,
      { DependsOn: string[] },
    ][]) {
      expect(
        r.DependsOn.some((d) => d.startsWith('ControlPlaneControlPlanePolicy')),
        id,
      ).toBe(true);
    }
  });
});

/** The one file in a directory (the staged config is named by its hash). */
function readdirOne(dir: string): string {
  const files = readdirSync(dir);
  if (files.length !== 1) throw new Error(`expected one file in ${dir}, found ${files.join(', ') || 'none'}`);
  return files[0]!;
}

describe('props change what they say', () => {
  it('removal policy, deletion protection, log retention, concurrency, tracing and tick rate', () => {
    const s = synth(readText(EXAMPLE_AWS), {
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      tableDeletionProtection: false,
      logRetention: RetentionDays.ONE_WEEK,
      reservedConcurrency: { heartbeat: 20 },
      tracing: true,
      tickRate: Duration.minutes(5),
    });
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    s.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    const fns = Object.entries(s.template.findResources('AWS::Lambda::Function')) as [
      string,
      { Properties: Record<string, unknown> },
    ][];
    for (const [id, fn] of fns) {
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(fn.Properties.ReservedConcurrentExecutions, id).toBe(
        id.startsWith('ControlPlaneHeartbeat') ? 20 : undefined,
      );
    }
    expect(JSON.stringify(s.template.toJSON())).toContain('xray:PutTraceSegments');
  });

  it("createAlarmTopic: a KMS-encrypted, TLS-only topic that only this account's CloudWatch alarms may publish to, on every alarm", () => {
    const s = synth(readText(EXAMPLE_AWS), { createAlarmTopic: true });
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneAlarmTopicKey'), 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-central-1:111111111111:alarm:*' },
            },
          }),
        ]),
      },
    });
    for (const a of Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions: unknown[]; OKActions: unknown[] };
    }[]) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ControlPlaneAlarmTopic/) }]);
      expect(a.Properties.OKActions).toEqual(a.Properties.AlarmActions);
    }
    expect(s.template.findOutputs('AlarmTopicArn')).not.toEqual({});
  });

  it('alarmTopicArn: alarms go to the existing topic, nothing is created', () => {
    const arn = 'arn:aws:sns:eu-central-1:111111111111:ops';
    const s = synth(readText(EXAMPLE_AWS), { alarmTopicArn: arn });
    s.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const a of Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions: unknown[] };
    }[])
      expect(a.Properties.AlarmActions).toEqual([arn]);
  });
});
