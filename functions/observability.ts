import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log } from '../lib/log';
import type { TickResult } from '../control/tick';

/** The Powertools logger behind control's Log. */
export function powertoolsLog(logger: Logger): Log {
  return {
    debug: (msg, fields) => logger.debug(msg, fields ?? {}),
    info: (msg, fields) => logger.info(msg, fields ?? {}),
    warn: (msg, fields) => logger.warn(msg, fields ?? {}),
    error: (msg, fields) => logger.error(msg, fields ?? {}),
  };
}

export function makeLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ipferry' });
}

/**
 * Custom metrics cost $0.30 a month each (us-east-1 list price, https://aws.amazon.com/cloudwatch/pricing/),
 * so by default the functions publish only what the default alarms watch (docs/deploy-aws.md);
 * IPFERRY_METRICS=detailed adds the rest, for the optional dashboard.
 */
export const ESSENTIAL_METRICS = ['NodesDead', 'UnownedVips', 'ProviderErrors'] as const;
export const DETAILED_METRICS = [
  'Heartbeats',
  'HeartbeatsRefused',
  'TickDurationMs',
  'Decisions',
  'Failovers',
  'ProviderThrottles',
] as const;
export type MetricSet = 'essential' | 'detailed';
export const METRICS_ENV = 'IPFERRY_METRICS';

export function metricSetOf(env: NodeJS.ProcessEnv): MetricSet {
  const v = env[METRICS_ENV];
  if (v === undefined || v === '' || v === 'essential') return 'essential';
  if (v === 'detailed') return 'detailed';
  throw new Error(`${METRICS_ENV}: expected essential or detailed, got ${JSON.stringify(v)}`);
}

/** Powertools Metrics that drops the names outside the chosen set, and publishes nothing (not even a warning) when nothing is left. */
class SelectedMetrics extends Metrics {
  constructor(
    options: ConstructorParameters<typeof Metrics>[0],
    private readonly allowed: ReadonlySet<string>,
  ) {
    super(options);
  }

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    if (this.allowed.has(args[0])) super.addMetric(...args);
    return this;
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) super.publishStoredMetrics();
    return this;
  }
}

export function makeMetrics(cluster: string, env: NodeJS.ProcessEnv = process.env): Metrics {
  const names: readonly string[] =
    metricSetOf(env) === 'detailed' ? [...ESSENTIAL_METRICS, ...DETAILED_METRICS] : ESSENTIAL_METRICS;
  return new SelectedMetrics(
    {
      namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'ipferry',
      serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'ipferry',
      defaultDimensions: { cluster },
    },
    new Set(names),
  );
}

const FORCED = new Set(['owner-dead', 'owner-leaving', 'owner-unhealthy', 'owner-ineligible', 'drain']);

/** The metric names docs/aws-runtime.md promises the dashboard and alarms. */
export function countTick(metrics: Metrics, r: TickResult | undefined, ms: number): void {
  metrics.addMetric('TickDurationMs', MetricUnit.Milliseconds, ms);
  if (!r || r.status !== 'done') return;
  if (r.committed) metrics.addMetric('Decisions', MetricUnit.Count, 1);
  const all = [...r.moves, ...r.repairs];
  metrics.addMetric('Failovers', MetricUnit.Count, r.moves.filter((m) => FORCED.has(m.reason)).length);
  metrics.addMetric(
    'ProviderErrors',
    MetricUnit.Count,
    all.filter((m) => m.outcome && !m.outcome.ok && m.outcome.reason !== 'throttled').length,
  );
  metrics.addMetric(
    'ProviderThrottles',
    MetricUnit.Count,
    all.filter((m) => m.outcome && !m.outcome.ok && m.outcome.reason === 'throttled').length,
  );
}

export { MetricUnit };
