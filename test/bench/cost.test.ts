import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { priced, sampledTraces, type CostLine } from '../../bench/cost/model';
import { FREE_TIER, PRICES, SECONDS_PER_MONTH } from '../../bench/prices';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const KEYS = [
  'liveness',
  'nodes',
  'heartbeat',
  'usd_month',
  'usd_month_free_tier',
  'lambda',
  'dynamodb',
  'logs',
  'cloudwatch',
  'xray',
  'transfer',
];

describe('bench/cost.ts', () => {
  it('prices a 2-node cluster in both liveness modes from the real handlers, and the money is units × prices', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/cost.ts', '--nodes', '2', '--messages', '12', '--ticks', '2', '--api', '2'],
      { cwd: ROOT, timeout: 150_000 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CostLine);
    expect(lines.map((l) => [l.liveness, l.nodes, l.heartbeat])).toEqual([
      ['witnessed', 2, 200],
      ['direct', 2, 1000],
    ]);
    for (const l of lines) {
      expect(Object.keys(l).slice(0, KEYS.length)).toEqual(KEYS);
      const u = l.units;
      // Every function ran and cost something; DynamoDB was read and written; logs were written.
      for (const f of ['heartbeat', 'tick', 'api'] as const) expect(u.invocations[f]).toBeGreaterThan(0);
      expect(u.invocations.tick).toBeGreaterThanOrEqual(SECONDS_PER_MONTH / 60);
      expect(u.invocations.api).toBe(3000);
      expect(u.gb_s).toBeGreaterThan(0);
      expect(u.rru).toBeGreaterThan(0);
      expect(u.wru).toBeGreaterThan(0);
      expect(u.log_gb).toBeGreaterThan(0);
      expect(u.metrics).toBeGreaterThan(0);
      expect(u.alarms).toBeGreaterThan(0);
      // The money, recomputed from the units and the price table.
      expect({ ...l, units: undefined, liveness: undefined, nodes: undefined, heartbeat: undefined }).toEqual({
        ...priced(u),
        units: undefined,
        liveness: undefined,
        nodes: undefined,
        heartbeat: undefined,
      });
      const requests = u.invocations.heartbeat + u.invocations.tick + u.invocations.api;
      expect(l.lambda).toBeCloseTo(
        requests * PRICES.lambda.usdPerRequest + u.gb_s * PRICES.lambda.usdPerGbSecondArm,
        2,
      );
      expect(l.dynamodb).toBeCloseTo(u.rru * PRICES.dynamodb.usdPerRru + u.wru * PRICES.dynamodb.usdPerWru, 2);
      expect(l.cloudwatch).toBeCloseTo(
        u.metrics * PRICES.cloudwatch.usdPerMetricMonth +
          u.alarms * PRICES.cloudwatch.usdPerAlarmMonth +
          u.dashboards * PRICES.cloudwatch.usdPerDashboardMonth,
        2,
      );
      expect(l.transfer).toBeCloseTo(u.transfer_gb * 2 * PRICES.transfer.usdPerGbEachDirection, 2);
      const parts = l.lambda + l.dynamodb + l.logs + l.cloudwatch + l.xray + l.transfer + l.secrets;
      expect(Math.abs(l.usd_month - parts)).toBeLessThanOrEqual(0.05);
      expect(l.usd_month_free_tier).toBeLessThanOrEqual(l.usd_month);
    }
    // Witness beats cross zones only under witnessed liveness (the two nodes sit in different zones).
    expect(lines[0]!.units.transfer_gb).toBeGreaterThan(0);
    expect(lines[1]!.units.transfer_gb).toBe(0);
    // Direct sends a heartbeat a second per node; witnessed a keepalive every 60 s, plus a day's failover.
    expect(lines[1]!.units.invocations.heartbeat).toBe(2 * SECONDS_PER_MONTH);
    expect(lines[0]!.units.invocations.heartbeat).toBeGreaterThan((2 * SECONDS_PER_MONTH) / 60);
    expect(lines[0]!.units.invocations.heartbeat).toBeLessThan((2 * SECONDS_PER_MONTH) / 20);
  }, 180_000);
});

describe('bench/cost/model.ts', () => {
  it('applies the default X-Ray sampling rule and the free tiers as AWS states them', () => {
    // Below one request a second every request is traced; above, 1/s plus 5 % of the rest.
    expect(sampledTraces(SECONDS_PER_MONTH / 2)).toBeCloseTo(SECONDS_PER_MONTH / 2);
    expect(sampledTraces(11 * SECONDS_PER_MONTH)).toBeCloseTo(SECONDS_PER_MONTH * (1 + 0.05 * 10));
    const small = {
      invocations: { heartbeat: 100_000, tick: 43_200, api: 3000 },
      gb_s: 1000,
      rru: 0,
      wru: 0,
      log_gb: 1,
      metrics: 3,
      alarms: 5,
      dashboards: 1,
      traces: 50_000,
      secrets: 0,
      secret_calls: 0,
      transfer_gb: 0,
    };
    const money = priced(small);
    expect(money.usd_month).toBeGreaterThan(0);
    // All inside the always-free allowances.
    expect(small.metrics).toBeLessThanOrEqual(FREE_TIER.metrics);
    expect(money.usd_month_free_tier).toBe(0);
  });
});
