/**
 * One simulated hour per provider under the emulators' REAL profile: reconciles every minute (a
 * drift read only when the provider's drift interval says so, as control/drift.ts does), four
 * failovers in the hour, each within the provider's own move deadline. Prints one JSON line per
 * provider: calls of each kind, each documented budget used against its limit, and `within`.
 * Time runs `--scale` times faster (default 120: the hour takes 30 wall seconds) on one clock
 * shared by emulator, client and moves, so every rule (blocking switch, hourly windows) holds.
 *
 *   npm run bench:provider-hour [-- --scale 120]
 *
 * A table of providers: the AWS side adds its rows through PROVIDERS.
 */
import { Ec2Provider } from '../adapters/aws/ec2';
import { Route53Core, Route53Provider } from '../adapters/aws/route53';
import { HetznerCloudClient, HetznerCloudProvider } from '../adapters/hetzner/cloud';
import { HetznerRobotClient, HetznerRobotProvider } from '../adapters/hetzner/robot';
import type { Clock } from '../core/clock';
import type { NodeSpec, Vip } from '../core/config';
import type { Provider } from '../core/ports';
import type { Emulator } from '../sim/common/emulator';
import { scaledClock } from '../sim/common/profile';
import { Ec2Emulator } from '../sim/aws-ec2';
import { seedFromConfig as ec2Seed } from '../sim/aws-ec2/from-config';
import { Route53Emulator } from '../sim/aws-route53';
import { seedFromConfig as route53Seed } from '../sim/aws-route53/from-config';
import { HetznerCloudEmulator } from '../sim/hetzner-cloud';
import {
  HetznerRobotEmulator,
  demoRobotSeed,
  DEFAULT_SWITCHES_PER_HOUR,
  REAL_READS_PER_HOUR,
} from '../sim/hetzner-robot';
import { cloudConfig, cloudSeed } from '../test/contract/hetzner-cloud-world';
import { robotConfig } from '../test/contract/hetzner-robot-world';
import { ec2Config, route53Config } from '../test/adapters/aws/ec2/fixtures';

const RECONCILE_MS = 60_000;
const FAILOVERS_AT_MIN = [10, 25, 40, 55];

interface World {
  provider: Provider;
  emulator: Emulator;
  vips: Vip[];
  /** The nodes the failovers alternate between. */
  nodes: NodeSpec[];
  /** Documented budgets: which call actions count, and the limit per hour. */
  budgets: Array<{ name: string; actions: string[] | 'all'; limit: number; source: string }>;
}

type WorldFactory = (clock: Clock) => Promise<World>;

const AWS_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

const PROVIDERS: Record<string, WorldFactory> = {
  // EC2 has no hourly budget: token buckets per action (sim/aws-ec2/throttle.ts). The sustained
  // rate of the tightest bucket a kind uses, over an hour, is the limit shown; any
  // RequestLimitExceeded answer counts as rate-limited below.
  'aws-ec2': async (clock) => {
    const config = ec2Config();
    const emulator = new Ec2Emulator({
      seed: ec2Seed(config, { sourceDestCheckOff: config.nodes.map((n) => n.id) }),
      profile: 'real',
      clock,
    });
    await emulator.start();
    const provider = new Ec2Provider({
      nodes: config.nodes,
      endpoint: emulator.url,
      region: 'eu-central-1',
      credentials: AWS_CREDENTIALS,
      clock,
      pollMs: 500,
      pollMaxMs: 2000,
    });
    return {
      provider,
      emulator,
      vips: config.vips.filter((v) => ['sec4', 'eip', 'relay'].includes(v.name)),
      nodes: ['b', 'a'].map((id) => config.nodes.find((n) => n.id === id)!),
      budgets: [
        {
          name: 'mutating',
          actions: ['AssignPrivateIpAddresses', 'AssociateAddress', 'ReplaceRoute', 'CreateRoute'],
          limit: 5 * 3600,
          source: 'EC2 API throttling: mutating bucket refills 5/s',
        },
        {
          name: 'describe',
          actions: ['DescribeNetworkInterfaces', 'DescribeAddresses', 'DescribeRouteTables'],
          limit: 20 * 3600,
          source: 'EC2 API throttling: non-mutating bucket refills 20/s',
        },
      ],
    };
  },
  'aws-route53': async (clock) => {
    const config = route53Config();
    const emulator = new Route53Emulator({ seed: route53Seed(config), profile: 'real', clock });
    await emulator.start();
    const core = new Route53Core({ endpoint: emulator.url, region: 'us-east-1', credentials: AWS_CREDENTIALS, clock });
    return {
      provider: new Route53Provider({ nodes: config.nodes, core }),
      emulator,
      vips: config.vips.filter((v) => v.name === 'webmail'),
      nodes: ['b', 'a'].map((id) => config.nodes.find((n) => n.id === id)!),
      budgets: [{ name: 'requests', actions: 'all', limit: 5 * 3600, source: 'Route 53: 5 requests/s per account' }],
    };
  },
  'hetzner-robot': async (clock) => {
    const emulator = new HetznerRobotEmulator(demoRobotSeed(), {}, Date.now, { profile: 'real', clock });
    await emulator.start();
    const config = robotConfig();
    const client = new HetznerRobotClient({ user: 'robot-user', password: 'robot-pass', baseUrl: emulator.url, clock });
    return {
      provider: new HetznerRobotProvider({ client, nodes: config.nodes }),
      emulator,
      vips: config.vips.filter((v) => v.name === 'vip-db'),
      nodes: ['db2', 'db1'].map((id) => config.nodes.find((n) => n.id === id)!),
      budgets: [
        {
          name: 'switches',
          actions: ['route_failover', 'unroute_failover'],
          limit: DEFAULT_SWITCHES_PER_HOUR,
          source: 'Robot webservice: POST /failover/{ip} 50/h',
        },
        {
          name: 'reads',
          actions: ['get_failover', 'list_failovers'],
          limit: REAL_READS_PER_HOUR,
          source: 'Robot webservice: GET /failover 100/h',
        },
      ],
    };
  },
  'hetzner-cloud': async (clock) => {
    const emulator = new HetznerCloudEmulator(cloudSeed({ actionDurationMs: undefined }), {}, Date.now, {
      profile: 'real',
      clock,
    });
    await emulator.start();
    const config = cloudConfig();
    const client = new HetznerCloudClient({ token: 'test-token', baseUrl: emulator.apiUrl, clock });
    return {
      provider: new HetznerCloudProvider({ client, nodes: config.nodes }),
      emulator,
      vips: config.vips.filter((v) => v.name === 'vip-mail' || v.name === 'vip-alias'),
      nodes: ['mx2', 'mx1'].map((id) => config.nodes.find((n) => n.id === id)!),
      budgets: [
        { name: 'requests', actions: 'all', limit: 3600, source: 'Hetzner Cloud API: 3600 requests/h per project' },
      ],
    };
  },
};

async function runHour(name: string, factory: WorldFactory, scale: number): Promise<Record<string, unknown>> {
  const clock = scaledClock(scale);
  const w = await factory(clock);
  const start = clock.now();
  let lastDrift: number | undefined;
  let moves = 0;
  let movesOk = 0;
  const moveMs: number[] = [];
  try {
    for (let minute = 0; minute < 60; minute++) {
      const now = clock.now();
      const interval = w.provider.driftIntervalMs ?? RECONCILE_MS;
      if (lastDrift === undefined || now - lastDrift >= interval) {
        lastDrift = now;
        await w.provider.observe(w.vips).catch(() => undefined);
      }
      if (FAILOVERS_AT_MIN.includes(minute)) {
        const to = w.nodes[moves % w.nodes.length]!;
        for (const vip of w.vips) {
          const began = clock.now();
          const deadlineMs = w.provider.moveDeadlineMs?.(vip.kind) ?? 20_000;
          const r = await w.provider.move(vip, to, { epoch: moves + 1, deadline: began + deadlineMs, clock });
          moveMs.push(clock.now() - began);
          if (r.ok) movesOk++;
        }
        moves++;
      }
      const next = start + (minute + 1) * RECONCILE_MS;
      await clock.sleep(Math.max(0, next - clock.now()));
    }
    const calls: Record<string, number> = {};
    for (const c of w.emulator.calls.calls) calls[c.action] = (calls[c.action] ?? 0) + 1;
    const total = w.emulator.calls.calls.length;
    const budgets = w.budgets.map((b) => {
      const used = b.actions === 'all' ? total : b.actions.reduce((n, a) => n + (calls[a] ?? 0), 0);
      return { name: b.name, used, limit: b.limit, source: b.source };
    });
    const refused = w.emulator.calls.calls.filter(
      (c) =>
        c.error === 'RATE_LIMIT_EXCEEDED' ||
        c.error === 'rate_limit_exceeded' ||
        c.error === 'RequestLimitExceeded' ||
        c.error === 'Throttling',
    ).length;
    return {
      bench: 'provider-hour',
      provider: name,
      profile: 'real',
      scale,
      simulatedMs: clock.now() - start,
      moves: moves * w.vips.length,
      movesOk,
      moveMsMax: Math.max(...moveMs),
      calls,
      budgets,
      rateLimited: refused,
      within: refused === 0 && budgets.every((b) => b.used <= b.limit),
    };
  } finally {
    await w.emulator.close();
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--scale');
  const scale = i >= 0 ? Number(process.argv[i + 1]) : 120;
  const rows = await Promise.all(Object.entries(PROVIDERS).map(([name, f]) => runHour(name, f, scale)));
  for (const r of rows) console.log(JSON.stringify(r));
  if (rows.some((r) => r.within !== true)) process.exitCode = 1;
}

await main();
