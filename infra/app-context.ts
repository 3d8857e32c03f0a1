import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULTS, type IpFerryControlPlaneProps } from './props';

/**
 * The `-c key=value` switches the app reads (cdk.json's "context" holds the defaults). Values from
 * the command line arrive as strings, from cdk.json as JSON; both are accepted.
 */
export const CONTEXT_KEYS = {
  config: 'the config file (relative to the working directory)',
  createAlarmTopic: 'true: create an encrypted SNS topic for alarms',
  alarmTopicArn: 'an existing SNS topic for alarms',
  tableRemovalPolicy: '"retain" (default) or "destroy"',
  tableDeletionProtection: 'false turns DynamoDB deletion protection off',
  logRetentionDays: "days the functions' logs are kept (a CloudWatch Logs retention value)",
  tickReservedConcurrency:
    '1 (default), another number, or "none" (accounts whose concurrency limit is still 10 cannot reserve any)',
  heartbeatReservedConcurrency:
    '10 (default: a flood at the public URL cannot take the account\'s concurrency), another number, or "none"',
  tracing: 'true: active X-Ray tracing on the functions (default false)',
  dashboard: "true: a CloudWatch dashboard (default false; $3 a month beyond an account's first three)",
  detailedMetrics: 'true: the six custom metrics beyond the three the alarms need (default false; $0.30 a month each)',
  trafficAlarms: 'true: the HeartbeatsStopped and HeartbeatThrottles alarms (default false; $0.10 a month each)',
  pskSecretArn: 'an existing secret holding the pre-shared key',
  hetznerTokenSecretArn: 'an existing secret holding the Hetzner Cloud API token',
  robotSecretArn: 'an existing secret holding {"user","password"} for Hetzner Robot',
  answerKeySecretArn:
    "an existing answer key secret (a stack rebuilt around the one its agents' control.answerKey came from)",
} as const;

/** The retention periods CloudWatch Logs accepts (0 would mean forever, which is not offered here). */
const RETENTIONS: number[] = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);

export interface AppContext {
  configPath: string;
  props: Omit<IpFerryControlPlaneProps, 'config' | 'alarmTopic'> & { alarmTopicArn?: string };
}

export function readContext(node: Node): AppContext {
  const str = (key: keyof typeof CONTEXT_KEYS): string | undefined => {
    const v: unknown = node.tryGetContext(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const bool = (key: keyof typeof CONTEXT_KEYS): boolean | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw new Error(`-c ${key}: expected true or false, got ${JSON.stringify(v)}`);
    return v === 'true';
  };
  const configPath = str('config');
  if (!configPath) throw new Error('no config file: pass -c config=FILE (or set "config" in cdk.json\'s context)');
  const removal = str('tableRemovalPolicy');
  if (removal !== undefined && removal !== 'retain' && removal !== 'destroy')
    throw new Error(`-c tableRemovalPolicy: expected retain or destroy, got ${JSON.stringify(removal)}`);
  const days = str('logRetentionDays');
  if (days !== undefined && !RETENTIONS.includes(Number(days)))
    throw new Error(`-c logRetentionDays: expected one of ${RETENTIONS.join(', ')}, got ${JSON.stringify(days)}`);
  const concurrency = reserved(str('tickReservedConcurrency'), str('heartbeatReservedConcurrency'));
  const secrets = {
    psk: str('pskSecretArn'),
    hetznerToken: str('hetznerTokenSecretArn'),
    robot: str('robotSecretArn'),
    answerKey: str('answerKeySecretArn'),
  };
  const given = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined));
  const createAlarmTopic = bool('createAlarmTopic');
  const deletionProtection = bool('tableDeletionProtection');
  const alarmTopicArn = str('alarmTopicArn');
  const switches = Object.fromEntries(
    (['tracing', 'dashboard', 'detailedMetrics', 'trafficAlarms'] as const).flatMap((key) => {
      const v = bool(key);
      return v === undefined ? [] : [[key, v]];
    }),
  ) as Partial<Record<'tracing' | 'dashboard' | 'detailedMetrics' | 'trafficAlarms', boolean>>;
  return {
    configPath,
    props: {
      ...(createAlarmTopic === undefined ? {} : { createAlarmTopic }),
      ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
      ...(removal === undefined
        ? {}
        : { tableRemovalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN }),
      ...(deletionProtection === undefined ? {} : { tableDeletionProtection: deletionProtection }),
      ...(days === undefined ? {} : { logRetention: Number(days) }),
      ...(concurrency === undefined ? {} : { reservedConcurrency: concurrency }),
      ...(Object.keys(given).length > 0 ? { secrets: given } : {}),
      ...switches,
    },
  };
}

/** The two context keys make one map (a given map replaces the default one): each a number, "none", or its default. */
function reserved(
  tick: string | undefined,
  heartbeat: string | undefined,
): Partial<Record<'tick' | 'heartbeat', number>> | undefined {
  if (tick === undefined && heartbeat === undefined) return undefined;
  const map: Partial<Record<'tick' | 'heartbeat', number>> = {};
  for (const [fn, text, key] of [
    ['tick', tick, 'tickReservedConcurrency'],
    ['heartbeat', heartbeat, 'heartbeatReservedConcurrency'],
  ] as const) {
    if (text !== undefined && text !== 'none' && !/^[1-9]\d*$/.test(text))
      throw new Error(`-c ${key}: expected a positive number or "none", got ${JSON.stringify(text)}`);
    if (text === 'none') continue;
    map[fn] = text === undefined ? DEFAULTS.reservedConcurrency[fn]! : Number(text);
  }
  return map;
}
