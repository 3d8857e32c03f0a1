import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, Policy, PolicyStatement, type IGrantable, type Grant } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type FunctionUrl, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError, configDigest, type Config } from '../core/config';
import { alarmTopic } from './alarm-topic';
import { arnScopeOf } from './arns';
import { configHooks, stageConfig } from './config-asset';
import { ControlFunction } from './control-function';
import { deployConfig, resourceNameOf, tableNameOf } from './deploy-config';
import { functionEnvironment } from './environment';
import { defaultBundling, FUNCTION_SPECS } from './function-specs';
import { acknowledge, REASONS, wildcardResourceFindings } from './nag-acknowledgements';
import { Observability } from './observability';
import { DEFAULTS, type FunctionName, type IpFerryControlPlaneProps } from './props';
import { providerPermissions, type ProviderPermissions } from './provider-permissions';
import { answerKeySecret, clusterSecrets, secretsStatement, type ClusterSecret } from './secrets';
import { stateTable, stateTableStatement } from './state-table';

/**
 * The serverless ipferry control plane for one cluster (docs/aws-runtime.md): a heartbeat
 * function behind a function URL (auth NONE: heartbeats are signed), a tick function on an
 * EventBridge schedule, an operator API behind an IAM-authenticated function URL, the DynamoDB
 * state table, the secrets the config needs, five alarms (and optionally a dashboard). The config
 * travels in each function's code asset (infra/config-asset.ts). The functions may move only
 * what the config names, scoped by the `ipferry:cluster` tag, route table and hosted zone ARNs.
 */
export class IpFerryControlPlane extends Construct {
  readonly config: Config;
  readonly table: Table;
  readonly functions: Record<FunctionName, ControlFunction>;
  readonly heartbeatUrl: FunctionUrl;
  readonly apiUrl: FunctionUrl;
  readonly secrets: ClusterSecret[];
  /** The seed of the key the heartbeat function signs answers with; readable by that function alone. */
  readonly answerKey: ClusterSecret;
  /** Failed tick invocations and undeliverable schedule events. */
  readonly failedTicks: Queue;
  /** What the functions may do beyond their own logs and traces: state, providers, secrets. */
  readonly policy: Policy;
  readonly permissions: ProviderPermissions;
  /** Present when the `dashboard` prop asks for it. */
  readonly dashboard: Dashboard | undefined;
  /** configDigest of the deployed config (`ipferry status` shows the one the functions run). */
  readonly configDigest: string;
  readonly observability: Observability;
  readonly alarmTopic: ITopic | undefined;

  constructor(scope: Construct, id: string, props: IpFerryControlPlaneProps) {
    super(scope, id);
    const { config, text } = deployConfig(props.config);
    this.config = config;
    checkRegion(this, config);
    const name = resourceNameOf(config);

    this.table = stateTable(this, {
      tableName: tableNameOf(config),
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.tableDeletionProtection ?? DEFAULTS.tableDeletionProtection,
    });
    this.secrets = clusterSecrets(this, config, props.secrets ?? {});
    this.answerKey = answerKeySecret(this, config, props.secrets ?? {});
    const detailedMetrics = props.detailedMetrics ?? DEFAULTS.detailedMetrics;
    this.configDigest = configDigest(config);
    const common = { digest: this.configDigest, table: this.table.tableName, detailedMetrics };
    // Only the heartbeat function signs answers, so only it is told where the key is.
    const environment: Record<FunctionName, Record<string, string>> = {
      heartbeat: functionEnvironment({ ...common, secrets: [...this.secrets, this.answerKey] }),
      tick: functionEnvironment({ ...common, secrets: this.secrets }),
      api: functionEnvironment({ ...common, secrets: this.secrets }),
    };
    const commandHooks = configHooks(stageConfig(this, text));

    const bundling = defaultBundling(props);
    const tracing = props.tracing ?? DEFAULTS.tracing;
    const concurrency = props.reservedConcurrency ?? DEFAULTS.reservedConcurrency;
    const make = (fn: FunctionName): ControlFunction => {
      const spec = FUNCTION_SPECS[fn];
      return new ControlFunction(this, spec.id, {
        entry: props.entries?.[fn] ?? bundling.entries[fn],
        description: `ipferry ${config.cluster}: ${spec.description}`,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        environment: environment[fn],
        logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
        tracing,
        ...(concurrency[fn] === undefined ? {} : { reservedConcurrency: concurrency[fn] }),
        commandHooks,
        projectRoot: bundling.projectRoot,
        depsLockFilePath: bundling.depsLockFilePath,
      });
    };
    this.functions = { heartbeat: make('heartbeat'), tick: make('tick'), api: make('api') };

    this.permissions = providerPermissions(config, arnScopeOf(this));
    this.policy = this.attachPolicy(this.permissions);
    // In the heartbeat role's own policy, not the shared one: the tick and the API never sign,
    // and a role that cannot read the key cannot leak it.
    this.functions.heartbeat.role.addToPrincipalPolicy(secretsStatement([this.answerKey], 'ReadAnswerKey')!);

    this.failedTicks = new Queue(this, 'FailedTicks', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.scheduleTicks(props.tickRate ?? Duration.minutes(DEFAULTS.tickRateMinutes));

    // Anyone may call it: every heartbeat is verified (signature, node, cluster, sequence and time
    // window, size) before it touches state, and a refused one changes nothing. AWS_IAM auth would
    // make every agent, on Hetzner or a LAN too, hold long-lived AWS keys.
    this.heartbeatUrl = this.functions.heartbeat.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.apiUrl = this.functions.api.fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

    this.alarmTopic = props.alarmTopic ?? (props.createAlarmTopic ? alarmTopic(this, name) : undefined);
    this.observability = new Observability(this, 'Observability', {
      cluster: config.cluster,
      name,
      heartbeat: this.functions.heartbeat.fn,
      tick: this.functions.tick.fn,
      api: this.functions.api.fn,
      failedTicks: this.failedTicks,
      dashboard: props.dashboard ?? DEFAULTS.dashboard,
      detailedMetrics,
      trafficAlarms: props.trafficAlarms ?? DEFAULTS.trafficAlarms,
      ...(this.alarmTopic ? { topic: this.alarmTopic } : {}),
    });
    this.dashboard = this.observability.dashboard;
    this.acknowledgeFindings(tracing);
  }

  /** Lets an operator (user, role) call the API: lambda:InvokeFunctionUrl on the API function, IAM-signed. */
  grantApiAccess(grantee: IGrantable): Grant {
    return this.functions.api.fn.grantInvokeUrl(grantee);
  }

  /** One policy, shared by the three functions: each may run a tick (heartbeats start them, the API moves). */
  private attachPolicy(p: ProviderPermissions): Policy {
    const statements: PolicyStatement[] = [
      stateTableStatement(this.table),
      ...p.ec2,
      ...(p.ec2Describe ? [p.ec2Describe] : []),
      ...p.route53,
    ];
    const secrets = secretsStatement(this.secrets);
    if (secrets) statements.push(secrets);
    const fns = Object.values(this.functions);
    const policy = new Policy(this, 'ControlPlanePolicy', { statements, roles: fns.map((f) => f.role) });
    // A function must not start before its permissions exist.
    for (const f of fns) f.fn.node.addDependency(policy);
    return policy;
  }

  private scheduleTicks(rate: Duration): void {
    const tick = this.functions.tick.fn;
    // Lambda needs only sqs:SendMessage to deliver a failure (SqsDestination would also grant
    // GetQueueAttributes and GetQueueUrl), so the destination is bound by hand.
    const toFailedTicks: IDestination = { bind: () => ({ destination: this.failedTicks.queueArn }) };
    this.functions.tick.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReportFailedTicks',
        effect: Effect.ALLOW,
        actions: ['sqs:SendMessage'],
        resources: [this.failedTicks.queueArn],
      }),
    );
    // A tick that could not start within a minute is superseded by the next one: no retries.
    tick.configureAsyncInvoke({ onFailure: toFailedTicks, retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    new Rule(this, 'TickSchedule', {
      description: `ipferry ${this.config.cluster}: reconcile every group and repair drift`,
      schedule: Schedule.rate(rate),
      targets: [
        new LambdaFunction(tick, {
          deadLetterQueue: this.failedTicks,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
  }

  private acknowledgeFindings(tracing: boolean): void {
    const p = this.permissions;
    const policyFindings = new Map<string, string>();
    if (p.ec2Describe) policyFindings.set('AwsSolutions-IAM5[Resource::*]', REASONS.describeWildcard);
    for (const s of p.ec2)
      for (const id of wildcardResourceFindings(this, s))
        policyFindings.set(id, REASONS.taggedWildcard(this.config.cluster));
    for (const s of p.route53)
      for (const id of wildcardResourceFindings(this, s)) policyFindings.set(id, REASONS.route53Changes);
    for (const [id, reason] of policyFindings) acknowledge(this.policy, id, reason);
    for (const [name, f] of Object.entries(this.functions)) {
      // Tracing puts the X-Ray statement in the role's default policy, next to logs (and, for the tick, its queue).
      if (tracing) acknowledge(f.role.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5[Resource::*]', REASONS.xray);
      else acknowledge(f.fn, 'Serverless-LambdaTracing', REASONS.noTracing);
      acknowledge(f.fn, 'Serverless-LambdaDLQ', name === 'tick' ? REASONS.tickDestination : REASONS.syncOnly);
    }
    acknowledge(this.failedTicks, 'AwsSolutions-SQS3', REASONS.deadLetterQueue);
    acknowledge(this.failedTicks, 'Serverless-SQSRedrivePolicy', REASONS.deadLetterQueue);
    for (const s of [...this.secrets, this.answerKey])
      if (s.created) acknowledge(s.created, 'AwsSolutions-SMG4', REASONS.secretRotation[s.role]);
  }
}

/** The functions act in the config's region; a stack bound elsewhere would move nothing. */
function checkRegion(scope: Construct, config: Config): void {
  const region = Stack.of(scope).region;
  if (config.control.mode === 'aws' && !Token.isUnresolved(region) && region !== config.control.region) {
    throw new ConfigError([
      {
        path: 'control.region',
        message: `the stack deploys to ${region}, but the config's control plane is in ${config.control.region}`,
      },
    ]);
  }
}
