import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IAlarm,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** docs/aws-runtime.md: EMF metrics in this namespace. */
export const METRIC_NAMESPACE = 'ipferry';

/**
 * The dimensions every ipferry metric carries. docs/aws-runtime.md names `cluster`; Powertools
 * Metrics also adds `service` (POWERTOOLS_SERVICE_NAME, set to `ipferry`) to every metric, and
 * CloudWatch matches dimension sets exactly, so both are named here.
 */
export function metricDimensions(cluster: string): Record<string, string> {
  return { cluster, service: METRIC_NAMESPACE };
}

export interface ObservabilityProps {
  cluster: string;
  /** Prefix of dashboard and alarm names. */
  name: string;
  heartbeat: IFunction;
  tick: IFunction;
  api: IFunction;
  failedTicks: IQueue;
  /** Where alarms (and their recoveries) are sent; none: alarms only show on the dashboard. */
  topic?: ITopic;
}

/** The dashboard and the alarms, all built on docs/aws-runtime.md's metric names. */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Record<'nodesDead' | 'heartbeatsStopped' | 'unownedVips' | 'providerErrors' | 'tickErrors' | 'heartbeatErrors' | 'heartbeatThrottles', Alarm>;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const m = (metricName: string, statistic: string, period = Duration.minutes(1)): Metric =>
      new Metric({ namespace: METRIC_NAMESPACE, metricName, dimensionsMap: metricDimensions(props.cluster), statistic, period });
    const alarm = (key: string, description: string, metric: IMetric, opts: { threshold: number; below?: boolean; periods?: number; datapoints?: number; missing?: TreatMissingData }): Alarm =>
      new Alarm(this, key, {
        alarmName: `${props.name}-${key}`,
        alarmDescription: description,
        metric,
        threshold: opts.threshold,
        comparisonOperator: opts.below ? ComparisonOperator.LESS_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: opts.periods ?? 1,
        datapointsToAlarm: opts.datapoints ?? opts.periods ?? 1,
        treatMissingData: opts.missing ?? TreatMissingData.NOT_BREACHING,
      });
    const fiveMinutes = Duration.minutes(5);

    this.alarms = {
      // Ticks report NodesDead every minute; two minutes in a row rules out a node restarting.
      nodesDead: alarm('NodesDead', 'A node has sent no heartbeat for deadAfter (NodesDead > 0 for 2 minutes): its VIPs have moved or are moving.', m('NodesDead', 'Maximum'), { threshold: 1, periods: 2 }),
      // No heartbeat at all: every agent is down, or none can reach the heartbeat URL.
      heartbeatsStopped: alarm('HeartbeatsStopped', 'No heartbeat was received from any node for 5 minutes.', m('Heartbeats', 'Sum', fiveMinutes), { threshold: 1, below: true, missing: TreatMissingData.BREACHING }),
      unownedVips: alarm('UnownedVips', 'A VIP has no owner (UnownedVips > 0 for 2 minutes): no eligible healthy node can take it.', m('UnownedVips', 'Maximum'), { threshold: 1, periods: 2 }),
      providerErrors: alarm('ProviderErrors', 'A provider call (EC2, Route 53, Hetzner) failed in the last 5 minutes; throttling is counted apart.', m('ProviderErrors', 'Sum', fiveMinutes), { threshold: 1 }),
      tickErrors: alarm('TickErrors', 'The tick function failed in 2 of the last 3 minutes: drift repair and scheduled failover are not running.', props.tick.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }), { threshold: 1, periods: 3, datapoints: 2 }),
      heartbeatErrors: alarm('HeartbeatErrors', 'The heartbeat function failed in 2 of the last 3 minutes: agents get no answers and nodes will look dead.', props.heartbeat.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }), { threshold: 1, periods: 3, datapoints: 2 }),
      heartbeatThrottles: alarm('HeartbeatThrottles', 'Heartbeats were throttled: raise the reserved concurrency or the account limit before nodes are judged dead.', props.heartbeat.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }), { threshold: 1 }),
    };
    if (props.topic) {
      const action = new SnsAction(props.topic);
      for (const a of Object.values(this.alarms)) {
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.name, defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: IMetric[], width = 8): GraphWidget => new GraphWidget({ title, left, width, height: 6 });
    const fnMetrics = (fn: IFunction): IMetric[] => [fn.metricErrors({ statistic: 'Sum' }), fn.metricThrottles({ statistic: 'Sum' })];
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms) as IAlarm[], width: 24, height: 3 }));
    this.dashboard.addWidgets(
      graph('Failovers and decisions', [m('Failovers', 'Sum'), m('Decisions', 'Sum')]),
      graph('Heartbeats received and refused (per minute)', [m('Heartbeats', 'Sum'), m('HeartbeatsRefused', 'Sum')]),
      graph('Dead nodes and unowned VIPs', [m('NodesDead', 'Maximum'), m('UnownedVips', 'Maximum')]),
    );
    this.dashboard.addWidgets(
      graph('Provider errors and throttles', [m('ProviderErrors', 'Sum'), m('ProviderThrottles', 'Sum')]),
      graph('Tick duration (ms)', [m('TickDurationMs', 'Average'), m('TickDurationMs', 'p99'), m('TickDurationMs', 'Maximum')]),
      graph('Tick function errors and throttles; failed ticks queued', [...fnMetrics(props.tick), props.failedTicks.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' })]),
    );
    this.dashboard.addWidgets(
      graph('API errors and throttles', fnMetrics(props.api), 12),
      graph('Heartbeat function errors and throttles', fnMetrics(props.heartbeat), 12),
    );
  }
}
