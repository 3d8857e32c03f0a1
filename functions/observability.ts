import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log } from '../control/log';
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

export function makeMetrics(cluster: string): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ipferry',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ipferry',
    defaultDimensions: { cluster },
  });
}

const FORCED = new Set(['owner-dead', 'owner-leaving', 'owner-unhealthy', 'owner-ineligible', 'drain']);

/** The metric names docs/aws-runtime.md promises the dashboard and alarms. */
export function countTick(metrics: Metrics, r: TickResult | undefined, ms: number): void {
  metrics.addMetric('TickDurationMs', MetricUnit.Milliseconds, ms);
  if (!r || r.status !== 'done') return;
  if (r.committed) metrics.addMetric('Decisions', MetricUnit.Count, 1);
  const all = [...r.moves, ...r.repairs];
  metrics.addMetric('Failovers', MetricUnit.Count, r.moves.filter((m) => FORCED.has(m.reason)).length);
  metrics.addMetric('ProviderErrors', MetricUnit.Count, all.filter((m) => m.outcome && !m.outcome.ok && m.outcome.reason !== 'throttled').length);
  metrics.addMetric('ProviderThrottles', MetricUnit.Count, all.filter((m) => m.outcome && !m.outcome.ok && m.outcome.reason === 'throttled').length);
}

export { MetricUnit };
