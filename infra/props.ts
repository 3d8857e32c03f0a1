import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { ConfigInput } from '../core/config';
import type { SecretArns } from './secrets';

/** The three Lambda functions of docs/aws-runtime.md. */
export type FunctionName = 'heartbeat' | 'tick' | 'api';

export interface IpFerryControlPlaneProps {
  /**
   * The cluster's configuration: the text of an ipferry YAML or JSON file, or the same document
   * as an object. It is validated with the schema `ipferry validate` uses (a bad config throws a
   * ConfigError listing every `path: message`), and must have `control.mode: aws`, no inline
   * `security.psk`, and `control.region` equal to the stack's region when the stack has one.
   * It ships inside each function's code asset, as compact JSON (docs/aws-runtime.md): any size
   * Lambda's code limits allow, and a changed config is a new asset, so `cdk deploy` updates the
   * functions. Their environment carries only the file's name and the config's digest.
   */
  readonly config: string | ConfigInput;

  /**
   * Handler modules (each exports `handler`), bundled with the local esbuild.
   * @default functions/heartbeat.ts, functions/tick.ts and functions/api.ts of this package
   */
  readonly entries?: Partial<Record<FunctionName, string>>;

  /**
   * The directory the entries are bundled from (the package that holds them and node_modules).
   * @default this package's root
   */
  readonly projectRoot?: string;

  /**
   * The lock file that pins the bundled dependencies.
   * @default package-lock.json in projectRoot
   */
  readonly depsLockFilePath?: string;

  /**
   * What happens to the state table when it leaves the stack. The table holds assignments and
   * their epochs (fencing tokens): losing it resets every epoch.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection on the state table.
   * @default true
   */
  readonly tableDeletionProtection?: boolean;

  /**
   * How long the functions' logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * An existing SNS topic that alarms (and their recoveries) are sent to.
   * @default none, unless createAlarmTopic
   */
  readonly alarmTopic?: ITopic;

  /**
   * Create an encrypted, TLS-only SNS topic for the alarms (ignored when alarmTopic is given).
   * Subscribe to it after deploying.
   * @default false
   */
  readonly createAlarmTopic?: boolean;

  /**
   * How often the tick function runs (drift repair and the backstop for failovers that heartbeats
   * did not start). EventBridge rules fire at most once a minute.
   * @default Duration.minutes(1)
   */
  readonly tickRate?: Duration;

  /**
   * Reserved concurrency per function; undefined leaves a function on the account's unreserved
   * pool. Ticks never stampede either way: every tick (scheduled, heartbeat-started or a manual
   * move) takes the store's lease first and commits with compare-and-set; one reserved instance
   * for the tick just keeps scheduled ticks from queueing up behind a slow one. A limit on the
   * heartbeat function caps what a flood of unsigned requests can cost, at the risk of throttling
   * real heartbeats (see the HeartbeatThrottles alarm): without it a flood at the public URL takes
   * the account's whole Lambda concurrency, starving every other function in the account. 10
   * concurrent heartbeats are about 200-500 a second (20-50 ms each, warm): a direct-liveness
   * cluster of a few hundred nodes at 1 s; raise it for more. Given, this map replaces the default.
   * @default { tick: 1, heartbeat: 10 }
   */
  readonly reservedConcurrency?: Partial<Record<FunctionName, number>>;

  /**
   * Active X-Ray tracing on the functions (cold starts and handler time per invocation). Off by
   * default: traces are billed per invocation, which for a heartbeat-driven cluster is most of
   * a small cluster's bill (docs/deploy-aws.md).
   * @default false
   */
  readonly tracing?: boolean;

  /**
   * A CloudWatch dashboard of the cluster ($3 a month beyond an account's first three).
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * Publish the six custom metrics beyond the three the default alarms watch (Heartbeats,
   * HeartbeatsRefused, TickDurationMs, Decisions, Failovers, ProviderThrottles), $0.30 a month each.
   * @default false
   */
  readonly detailedMetrics?: boolean;

  /**
   * The HeartbeatsStopped and HeartbeatThrottles alarms ($0.10 a month each); worth having when
   * the heartbeat function has reserved concurrency (throttles) or alarms go to a topic.
   * @default false
   */
  readonly trafficAlarms?: boolean;

  /**
   * Complete ARNs of existing Secrets Manager secrets: `psk` (hmac-sha256 clusters), `hetznerToken`
   * (hetzner-floating-ip and hetzner-alias-ip VIPs) and `robot` (`{"user","password"}` for
   * hetzner-robot-failover-ip VIPs). A secret the config needs and that is not given is created
   * (psk with a random key; Hetzner ones with placeholders to replace). Only the needed ones are
   * read, and the functions may read nothing else from Secrets Manager. `answerKey`: the seed of
   * the key the heartbeat function signs answers with (at least 32 characters; its SHA-256 is the
   * Ed25519 seed), read by that function alone; every cluster has one, created when not given.
   * @default the needed secrets and the answer key's are created
   */
  readonly secrets?: SecretArns;
}

/** Defaults of the props above, in one place for the docs and the tests. */
export const DEFAULTS = {
  logRetentionDays: 30,
  tableDeletionProtection: true,
  tickRateMinutes: 1,
  reservedConcurrency: { tick: 1, heartbeat: 10 } as Partial<Record<FunctionName, number>>,
  tracing: false,
  dashboard: false,
  detailedMetrics: false,
  trafficAlarms: false,
} as const;
