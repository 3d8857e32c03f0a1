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
 * The custom metrics the functions publish by default (functions/observability.ts keeps the same
 * list): only what the default alarms watch, since each costs $0.30 a month (docs/deploy-aws.md).
 */
export const ESSENTIAL_METRICS = ['NodesDead', 'UnownedVips', 'ProviderErrors'] as const;

/**
 * The dimensions every ipferry metric carries. docs/aws-runtime.md names `cluster`; Powertools
 * Metrics also adds `service` (POWERTOOLS_SERVICE_NAME, set to `ipferry`) to every metric, and
 * CloudWatch matches dimension sets exactly, so both are named here.
 */
export function metricDimensions(cluster: string): Record<string, string> {
  return { cluster, service: METRIC_NAMESPACE };
}

/**
 * What an operator may add to the default alarms (docs/deploy-aws.md prices each item). Prices are
 * us-east-1 list prices: $0.30 per custom metric-month, $0.10 per standard alarm-month, $3 per
 * dashboard-month (https://aws.amazon.com/cloudwatch/pricing/; paid rates as summarized in
 * February 2026 at https://cloudburn.io/blog/amazon-cloudwatch-pricing).
 */
export interface ObservabilityOptions {
  /** The CloudWatch dashboard ($3 a month beyond an account's first three). */
  dashboard: boolean;
  /** The six custom metrics beyond the essential three ($0.30 a month each). */
  detailedMetrics: boolean;
  /** HeartbeatsStopped and HeartbeatThrottles ($0.10 a month each). */
  trafficAlarms: boolean;
}

export interface ObservabilityProps extends ObservabilityOptions {
  cluster: string;
  /** Prefix of dashboard and alarm names. */
  name: string;
  heartbeat: IFunction;
  tick: IFunction;
  api: IFunction;
  failedTicks: IQueue;
  /** Where alarms (and their recoveries) are sent; none: alarms only show in the console. */
  topic?: ITopic;
}

export type DefaultAlarm = 'nodesDead' | 'unownedVips' | 'providerErrors' | 'tickErrors' | 'heartbeatErrors';
export type TrafficAlarm = 'heartbeatsStopped' | 'heartbeatThrottles';

interface AlarmShape {
  threshold: number;
  below?: boolean;
  periods?: number;
  datapoints?: number;
  missing?: TreatMissingData;
}

/** The alarms (five by default) and, when asked for, the dashboard, on docs/aws-runtime.md's metric names. */
export class Observability extends Construct {
  readonly dashboard: Dashboard | undefined;
  readonly alarms: Record<DefaultAlarm, Alarm> & Partial<Record<TrafficAlarm, Alarm>>;
  private readonly props: ObservabilityProps;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.props = props;
    const m = (name: string, statistic: string, period?: Duration): Metric => this.metric(name, statistic, period);
    const fiveMinutes = Duration.minutes(5);
    const lambdaErrors = (fn: IFunction): IMetric => fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' });

    this.alarms = {
      // Ticks report NodesDead every minute; two minutes in a row rules out a node restarting.
      nodesDead: this.alarm(
        'NodesDead',
        'A node has been judged dead (NodesDead > 0 for 2 minutes): its VIPs have moved or are moving.',
        m('NodesDead', 'Maximum'),
        { threshold: 1, periods: 2 },
      ),
      unownedVips: this.alarm(
        'UnownedVips',
        'A VIP has no owner (UnownedVips > 0 for 2 minutes): no eligible healthy node can take it.',
        m('UnownedVips', 'Maximum'),
        { threshold: 1, periods: 2 },
      ),
      providerErrors: this.alarm(
        'ProviderErrors',
        'A provider call (EC2, Route 53, Hetzner) failed in the last 5 minutes; throttling is counted apart.',
        m('ProviderErrors', 'Sum', fiveMinutes),
        { threshold: 1 },
      ),
      // Lambda's own metrics: free, and they still report when our code cannot start.
      tickErrors: this.alarm(
        'TickErrors',
        'The tick function failed in 2 of the last 3 minutes: drift repair and scheduled failover are not running.',
        lambdaErrors(props.tick),
        { threshold: 1, periods: 3, datapoints: 2 },
      ),
      heartbeatErrors: this.alarm(
        'HeartbeatErrors',
        'The heartbeat function failed in 2 of the last 3 minutes: agents get no answers and nodes will look dead.',
        lambdaErrors(props.heartbeat),
        { threshold: 1, periods: 3, datapoints: 2 },
      ),
    };
    if (props.trafficAlarms) {
      // Invocations of the heartbeat URL (a free Lambda metric): none at all means every agent is down or cut off.
      this.alarms.heartbeatsStopped = this.alarm(
        'HeartbeatsStopped',
        'The heartbeat function was not called for 5 minutes: every agent is down, or none can reach the heartbeat URL.',
        props.heartbeat.metricInvocations({ period: fiveMinutes, statistic: 'Sum' }),
        {
          threshold: 1,
          below: true,
          missing: TreatMissingData.BREACHING,
        },
      );
      this.alarms.heartbeatThrottles = this.alarm(
        'HeartbeatThrottles',
        'Heartbeats were throttled: raise the reserved concurrency or the account limit before nodes are judged dead.',
        props.heartbeat.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
        { threshold: 1 },
      );
    }
    if (props.topic) {
      const action = new SnsAction(props.topic);
      for (const a of Object.values(this.alarms)) {
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    }
    this.dashboard = props.dashboard ? this.buildDashboard() : undefined;
  }

  private metric(metricName: string, statistic: string, period = Duration.minutes(1)): Metric {
    return new Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: metricDimensions(this.props.cluster),
      statistic,
      period,
    });
  }

  private alarm(key: string, description: string, metric: IMetric, opts: AlarmShape): Alarm {
    return new Alarm(this, key, {
      alarmName: `${this.props.name}-${key}`,
      alarmDescription: description,
      metric,
      threshold: opts.threshold,
      comparisonOperator: opts.below
        ? ComparisonOperator.LESS_THAN_THRESHOLD
        : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: opts.periods ?? 1,
      datapointsToAlarm: opts.datapoints ?? opts.periods ?? 1,
      treatMissingData: opts.missing ?? TreatMissingData.NOT_BREACHING,
    });
  }

  /** Graphs of what is published: the detailed metrics' graphs only when they are. */
  private buildDashboard(): Dashboard {
    const p = this.props;
    const m = (name: string, statistic: string): Metric => this.metric(name, statistic);
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: p.name, defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: IMetric[], width = 8): GraphWidget =>
      new GraphWidget({ title, left, width, height: 6 });
    const fnMetrics = (fn: IFunction): IMetric[] => [
      fn.metricErrors({ statistic: 'Sum' }),
      fn.metricThrottles({ statistic: 'Sum' }),
    ];
    dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms) as IAlarm[], width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      graph('Dead nodes and unowned VIPs', [m('NodesDead', 'Maximum'), m('UnownedVips', 'Maximum')]),
      graph('Provider errors' + (p.detailedMetrics ? ' and throttles' : ''), [
        m('ProviderErrors', 'Sum'),
        ...(p.detailedMetrics ? [m('ProviderThrottles', 'Sum')] : []),
      ]),
      graph('Tick function errors and throttles; failed ticks queued', [
        ...fnMetrics(p.tick),
        p.failedTicks.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      ]),
    );
    if (p.detailedMetrics) {
      dashboard.addWidgets(
        graph('Failovers and decisions', [m('Failovers', 'Sum'), m('Decisions', 'Sum')]),
        graph('Heartbeats received and refused (per minute)', [m('Heartbeats', 'Sum'), m('HeartbeatsRefused', 'Sum')]),
        graph('Tick duration (ms)', [
          m('TickDurationMs', 'Average'),
          m('TickDurationMs', 'p99'),
          m('TickDurationMs', 'Maximum'),
        ]),
      );
    }
    dashboard.addWidgets(
      graph('API errors and throttles', fnMetrics(p.api), 12),
      graph('Heartbeat function errors and throttles', fnMetrics(p.heartbeat), 12),
    );
    return dashboard;
  }
}
