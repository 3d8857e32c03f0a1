/**
 * AWS list prices the cost benchmark turns units into money with: us-east-1, on-demand, no
 * savings plans, no tiers beyond the first (ipferry never reaches a second tier). Each figure
 * names where it came from and when it was checked; `bench:cost` prints nothing that is not
 * one of these times a counted unit.
 */

/** When every figure below was last checked against its source. */
export const PRICES_CHECKED = '2026-12-04';
export const PRICE_REGION = 'us-east-1';

export const PRICES = {
  lambda: {
    // https://aws.amazon.com/lambda/pricing/ — Arm: $0.0000133334 per GB-second for the first
    // 7.5 billion GB-s a month; requests $0.20 per 1M (same on x86 and Arm). Billed duration is
    // rounded up to 1 ms.
    usdPerGbSecondArm: 0.0000133334,
    usdPerRequest: 0.2 / 1e6,
  },
  dynamodb: {
    // https://aws.amazon.com/dynamodb/pricing/on-demand/ — after the 2024-11-01 cut of on-demand
    // throughput by 50 %: $0.125 per million read request units, $0.625 per million write
    // request units; table storage $0.25 per GB-month (first 25 GB free).
    usdPerRru: 0.125 / 1e6,
    usdPerWru: 0.625 / 1e6,
    usdPerGbMonth: 0.25,
  },
  logs: {
    // https://aws.amazon.com/cloudwatch/pricing/ (Logs tab) — Standard log class ingestion $0.50
    // per GB (Lambda's vended logs: $0.50 per GB for the first 10 TB), archive storage $0.03 per
    // GB-month. Ingested size = each event's UTF-8 message + 26 bytes (PutLogEvents API
    // reference: "the sum of all event messages in UTF-8, plus 26 bytes for each log event").
    usdPerGbIngested: 0.5,
    usdPerGbMonthStored: 0.03,
    bytesPerEventOverhead: 26,
  },
  cloudwatch: {
    // https://aws.amazon.com/cloudwatch/pricing/ (Metrics, Alarms, Dashboards tabs) — $0.30 per
    // custom metric-month (first 10,000), $0.10 per standard-resolution alarm metric-month,
    // $3.00 per custom dashboard-month. EMF log lines are billed as log ingestion (above).
    usdPerMetricMonth: 0.3,
    usdPerAlarmMonth: 0.1,
    usdPerDashboardMonth: 3,
  },
  xray: {
    // https://aws.amazon.com/xray/pricing/ — $5.00 per 1M traces recorded. Lambda's active
    // tracing uses the default sampling rule: the first request each second, then 5 % of the
    // rest (X-Ray developer guide, "Sampling rules").
    usdPerTrace: 5 / 1e6,
    reservoirPerSecond: 1,
    fixedRate: 0.05,
  },
  secretsManager: {
    // https://aws.amazon.com/secrets-manager/pricing/ — $0.40 per secret-month, $0.05 per 10,000
    // API calls.
    usdPerSecretMonth: 0.4,
    usdPerCall: 0.05 / 10_000,
  },
  transfer: {
    // https://aws.amazon.com/ec2/pricing/on-demand/ ("Data transfer within the same AWS Region")
    // — $0.01 per GB in each direction between Availability Zones: a byte that crosses a zone
    // boundary is billed once leaving and once arriving, $0.02 per GB in all.
    usdPerGbEachDirection: 0.01,
  },
} as const;

/**
 * The always-free tiers (they do not expire after 12 months). Sources as above, plus
 * https://aws.amazon.com/free/ — Lambda 1M requests and 400,000 GB-s; CloudWatch 10 custom
 * metrics, 10 alarm metrics, 3 dashboards (up to 50 metrics each), 5 GB of log data (ingestion
 * and archive storage together); X-Ray 100,000 traces recorded; DynamoDB 25 GB of storage (its
 * free read and write capacity is provisioned-mode only: nothing for on-demand requests).
 * Secrets Manager has a 30-day trial only, and inter-AZ transfer no free tier.
 */
export const FREE_TIER = {
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  metrics: 10,
  alarms: 10,
  dashboards: 3,
  logGb: 5,
  traces: 100_000,
  dynamodbStorageGb: 25,
} as const;

/**
 * What ipferry replaces: a keepalived pair on two t4g.nano instances, on demand, Linux, us-east-1,
 * $0.0042 an hour each (https://aws.amazon.com/ec2/pricing/on-demand/), 730 hours a month
 * (AWS's own monthly convention in its calculator). EBS volumes and transfer not counted.
 */
export const KEEPALIVED_PAIR = {
  instances: 2,
  usdPerHour: 0.0042,
  hoursPerMonth: 730,
  get usdMonth(): number {
    return this.instances * this.usdPerHour * this.hoursPerMonth;
  },
};

/** The benchmark's month: 30 days, as the figures use. */
export const SECONDS_PER_MONTH = 30 * 86_400;
