import type { Config } from '../../core/config';
import { witnessRing, zoneOf } from '../../core/witness';
import type { FunctionName } from '../../infra/props';
import { FREE_TIER, PRICES, SECONDS_PER_MONTH } from '../prices';
import type { Kind, SampleResult } from './run';
import type { StackFacts } from './template';

/** The workload assumptions the month is built from (docs/benchmarks.md, bench:cost). */
export const WORKLOAD = {
  /** Operators' `ipferry status` and the like. */
  apiCallsPerDay: 100,
  /** Witnessed: failovers (each with the node's return) a day. */
  eventsPerDay: 1,
  /** Execution environments are recycled now and then; one cold start per function an hour. */
  coldStartsPerFunctionPerHour: 1,
  tickEverySeconds: 60,
} as const;

/** Raw monthly counts. */
export interface MonthlyUnits {
  invocations: Record<FunctionName, number>;
  gb_s: number;
  rru: number;
  wru: number;
  log_gb: number;
  metrics: number;
  alarms: number;
  dashboards: number;
  traces: number;
  secrets: number;
  secret_calls: number;
  transfer_gb: number;
}

export interface CostLine {
  liveness: string;
  nodes: number;
  heartbeat: number;
  usd_month: number;
  usd_month_free_tier: number;
  lambda: number;
  dynamodb: number;
  logs: number;
  cloudwatch: number;
  xray: number;
  transfer: number;
  secrets: number;
  units: MonthlyUnits;
}

const GB = 2 ** 30;
const FUNCTIONS: FunctionName[] = ['heartbeat', 'tick', 'api'];

/** How many of each sampled kind a 30-day month holds. */
export function monthlyCounts(config: Config): Record<Kind, number> {
  const days = SECONDS_PER_MONTH / 86_400;
  const witnessed =
    config.control.mode !== 'peer' && config.control.mode !== 'etcd' && config.control.liveness === 'witnessed';
  const every =
    config.control.mode !== 'peer' && config.control.mode !== 'etcd' && witnessed
      ? config.control.witness.keepalive
      : config.timers.heartbeatInterval;
  return {
    message: (config.nodes.length * SECONDS_PER_MONTH * 1000) / every,
    tick: SECONDS_PER_MONTH / WORKLOAD.tickEverySeconds,
    api: WORKLOAD.apiCallsPerDay * days,
    event: witnessed ? WORKLOAD.eventsPerDay * days : 0,
  };
}

/** Scales the sample to the month and prices it; per-service money in USD, rounded to cents. */
export function costLine(config: Config, facts: StackFacts, s: SampleResult): CostLine {
  const counts = monthlyCounts(config);
  const invocations = { heartbeat: 0, tick: 0, api: 0 } as Record<FunctionName, number>;
  let gbS = 0;
  let rru = 0;
  let wru = 0;
  let logBytes = 0;
  for (const kind of Object.keys(counts) as Kind[]) {
    const t = s.totals[kind];
    // Per sampled unit: one invocation for message, tick and api; one whole event for event.
    const sampled = kind === 'event' ? s.events : FUNCTIONS.reduce((n, f) => n + t.invocations[f], 0);
    if (sampled === 0 || counts[kind] === 0) continue;
    const scale = counts[kind] / sampled;
    for (const f of FUNCTIONS) {
      invocations[f] += t.invocations[f] * scale;
      gbS += ((t.billedMs[f] * scale) / 1000) * (facts.memoryMb[f] / 1024);
    }
    rru += t.rru * scale;
    wru += t.wru * scale;
    logBytes += t.logBytes * scale;
  }
  const traces = FUNCTIONS.filter((f) => facts.tracing[f]).reduce((n, f) => n + sampledTraces(invocations[f]), 0);
  const coldStarts = FUNCTIONS.length * WORKLOAD.coldStartsPerFunctionPerHour * (SECONDS_PER_MONTH / 3600);
  const units: MonthlyUnits = {
    invocations: {
      heartbeat: Math.round(invocations.heartbeat),
      tick: Math.round(invocations.tick),
      api: Math.round(invocations.api),
    },
    gb_s: round(gbS, 1),
    rru: Math.round(rru),
    wru: Math.round(wru),
    log_gb: round(logBytes / GB, 4),
    metrics: s.metrics.size,
    alarms: facts.alarms,
    dashboards: facts.dashboards,
    traces: Math.round(traces),
    secrets: facts.secrets,
    secret_calls: Math.round(facts.secrets * coldStarts),
    transfer_gb: round(interZoneBytes(config, s.witnessDatagramBytes) / GB, 4),
  };
  return {
    liveness: livenessOf(config),
    nodes: config.nodes.length,
    heartbeat: config.timers.heartbeatInterval,
    ...priced(units),
    units,
  };
}

type Money = Pick<
  CostLine,
  'usd_month' | 'usd_month_free_tier' | 'lambda' | 'dynamodb' | 'logs' | 'cloudwatch' | 'xray' | 'transfer' | 'secrets'
>;

/** Units × list prices; the free-tier total takes the always-free allowances off first. Exported for the smoke test's recomputation. */
export function priced(u: MonthlyUnits): Money {
  const P = PRICES;
  const requests = u.invocations.heartbeat + u.invocations.tick + u.invocations.api;
  const list = {
    lambda: requests * P.lambda.usdPerRequest + u.gb_s * P.lambda.usdPerGbSecondArm,
    dynamodb: u.rru * P.dynamodb.usdPerRru + u.wru * P.dynamodb.usdPerWru,
    // Logs are kept a month (the construct's default retention): a month of ingestion is stored at any time.
    logs: u.log_gb * (P.logs.usdPerGbIngested + P.logs.usdPerGbMonthStored),
    cloudwatch:
      u.metrics * P.cloudwatch.usdPerMetricMonth +
      u.alarms * P.cloudwatch.usdPerAlarmMonth +
      u.dashboards * P.cloudwatch.usdPerDashboardMonth,
    xray: u.traces * P.xray.usdPerTrace,
    transfer: u.transfer_gb * 2 * P.transfer.usdPerGbEachDirection,
    secrets: u.secrets * P.secretsManager.usdPerSecretMonth + u.secret_calls * P.secretsManager.usdPerCall,
  };
  const over = (n: number, free: number) => Math.max(0, n - free);
  const ingestFree = Math.min(u.log_gb, FREE_TIER.logGb);
  const free = {
    lambda:
      over(requests, FREE_TIER.lambdaRequests) * P.lambda.usdPerRequest +
      over(u.gb_s, FREE_TIER.lambdaGbSeconds) * P.lambda.usdPerGbSecondArm,
    dynamodb: list.dynamodb,
    logs:
      (u.log_gb - ingestFree) * P.logs.usdPerGbIngested +
      over(u.log_gb, FREE_TIER.logGb - ingestFree) * P.logs.usdPerGbMonthStored,
    cloudwatch:
      over(u.metrics, FREE_TIER.metrics) * P.cloudwatch.usdPerMetricMonth +
      over(u.alarms, FREE_TIER.alarms) * P.cloudwatch.usdPerAlarmMonth +
      over(u.dashboards, FREE_TIER.dashboards) * P.cloudwatch.usdPerDashboardMonth,
    xray: over(u.traces, FREE_TIER.traces) * P.xray.usdPerTrace,
    transfer: list.transfer,
    secrets: list.secrets,
  };
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    usd_month: cents(sum(list)),
    usd_month_free_tier: cents(sum(free)),
    lambda: cents(list.lambda),
    dynamodb: cents(list.dynamodb),
    logs: cents(list.logs),
    cloudwatch: cents(list.cloudwatch),
    xray: cents(list.xray),
    transfer: cents(list.transfer),
    secrets: cents(list.secrets),
  };
}

/**
 * Traces a month under the default sampling rule, for invocations spread evenly: each second the
 * first request is traced, and 5 % of the rest.
 */
export function sampledTraces(invocationsPerMonth: number): number {
  const perSecond = invocationsPerMonth / SECONDS_PER_MONTH;
  const reservoir = Math.min(perSecond, PRICES.xray.reservoirPerSecond);
  return (reservoir + PRICES.xray.fixedRate * Math.max(0, perSecond - reservoir)) * SECONDS_PER_MONTH;
}

/**
 * Witnessed: bytes a month that cross a zone boundary — every node sends one datagram per
 * heartbeat interval to each of its ring witnesses, and only pairs in different zones are billed.
 */
export function interZoneBytes(config: Config, datagramBytes: number): number {
  if (livenessOf(config) !== 'witnessed' || datagramBytes === 0) return 0;
  const ring = witnessRing(config);
  const zone = new Map(config.nodes.map((n) => [n.id, zoneOf(n)]));
  let pairs = 0;
  for (const n of config.nodes) for (const w of ring.witnessesOf(n.id)) if (zone.get(w) !== zone.get(n.id)) pairs += 1;
  const beats = (SECONDS_PER_MONTH * 1000) / config.timers.heartbeatInterval;
  return pairs * beats * datagramBytes;
}

function livenessOf(config: Config): string {
  return config.control.mode === 'peer' || config.control.mode === 'etcd'
    ? config.control.mode
    : config.control.liveness;
}

const cents = (usd: number) => Math.round(usd * 100) / 100;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
