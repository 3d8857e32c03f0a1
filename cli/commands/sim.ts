import { ConfigError, type Config } from '../../core/config';
import { Ec2Emulator, exampleEc2Seed } from '../../sim/aws-ec2';
import { seedFromConfig as ec2Seed } from '../../sim/aws-ec2/from-config';
import { Route53Emulator, exampleRoute53Seed } from '../../sim/aws-route53';
import { seedFromConfig as route53Seed } from '../../sim/aws-route53/from-config';
import type { Emulator } from '../../sim/common/emulator';
import { DEFAULT_PROFILE, parseProfile, type EmulatorProfile } from '../../sim/common/profile';
import { DEFAULT_TOKEN, HetznerCloudEmulator, demoCloudSeed } from '../../sim/hetzner-cloud';
import { seedFromConfig as cloudSeed } from '../../sim/hetzner-cloud/from-config';
import { DEFAULT_ROBOT_CREDENTIALS, HetznerRobotEmulator, demoRobotSeed } from '../../sim/hetzner-robot';
import { seedFromConfig as robotSeed } from '../../sim/hetzner-robot/from-config';
import { parse, usageError, type Command } from '../command';
import { termSafeLines } from '../terminal-text';
import { untilSignalled } from '../signals';
import { printConfigError, readConfigFile } from '../config-file';

const USAGE = `usage: ipferry sim ec2|route53|hetzner|robot [--port N] [--config FILE] [--profile real|fast]

Runs one provider emulator on 127.0.0.1 until interrupted (Ctrl-C). With --config it holds what
the config names (instances, interfaces, subnets, Elastic IPs, route tables; hosted zones and
records; Hetzner servers, networks, floating and alias IPs; Robot failover IPs), each VIP on its
preferred node; without it, the emulator's example world. --port 0 (the default) lets the OS pick.
--profile real runs the provider's documented timings and limits (a Robot switch blocks 50 s, 100
reads an hour; Cloud locks last minutes); fast (the default) keeps the rules with short timings.`;

export const SIM_KINDS = ['ec2', 'route53', 'hetzner', 'robot'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

export interface RunningSim {
  emulator: Emulator;
  url: string;
  /** What to print: the endpoint and how to point ipferry and the usual tools at it. */
  lines: string[];
  close(): Promise<void>;
}

/** Builds the emulator for `kind` from the config (or its example seed) and starts it on 127.0.0.1. */
export async function startSim(
  kind: SimKind,
  opts: { port?: number; config?: Config; profile?: EmulatorProfile } = {},
): Promise<RunningSim> {
  const cfg = opts.config;
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const emulator = buildEmulator(kind, cfg, profile);
  const server = await emulator.start(opts.port ?? 0);
  const url = server.url;
  const lines = [
    `${LABEL[kind]} emulator on ${url} (${cfg ? `seeded from cluster ${cfg.cluster}` : 'example world'}${profile === 'real' ? ', real profile' : ''})`,
    ...howTo(kind, url, cfg),
    ...adminLines(url),
  ];
  return { emulator, url, lines, close: () => emulator.close() };
}

const LABEL: Record<SimKind, string> = {
  ec2: 'EC2',
  route53: 'Route 53',
  hetzner: 'Hetzner Cloud',
  robot: 'Hetzner Robot',
};

function buildEmulator(kind: SimKind, cfg: Config | undefined, profile: EmulatorProfile): Emulator {
  switch (kind) {
    // The AWS emulators take `profile` in their options object (sim/aws-*); built as variables so
    // this compiles whether or not an emulator's options declare it yet.
    case 'ec2': {
      const options = { seed: cfg ? ec2Seed(cfg) : exampleEc2Seed(), settings: { strictReassociation: true }, profile };
      return new Ec2Emulator(options);
    }
    case 'route53': {
      const options = { seed: cfg ? route53Seed(cfg) : exampleRoute53Seed(), profile };
      return new Route53Emulator(options);
    }
    case 'hetzner':
      return new HetznerCloudEmulator(cfg ? cloudSeed(cfg) : demoCloudSeed(), {}, Date.now, { profile });
    case 'robot':
      return new HetznerRobotEmulator(cfg ? robotSeed(cfg) : demoRobotSeed(), {}, Date.now, { profile });
  }
}

function howTo(kind: SimKind, url: string, cfg: Config | undefined): string[] {
  const region = cfg?.control.mode === 'aws' ? cfg.control.region : 'eu-central-1';
  const awsEnv = (service: string) => [
    'point ipferry (and the aws CLI or any AWS SDK) at it with:',
    `  export ${service}=${url} AWS_REGION=${region} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
  ];
  switch (kind) {
    case 'ec2':
      return [...awsEnv('AWS_ENDPOINT_URL_EC2'), '  aws ec2 describe-network-interfaces   # for example'];
    case 'route53':
      return [...awsEnv('AWS_ENDPOINT_URL_ROUTE_53'), '  aws route53 list-hosted-zones   # for example'];
    case 'hetzner':
      return [
        'point ipferry (and the hcloud CLI) at it with:',
        `  export HCLOUD_ENDPOINT=${url}/v1 HCLOUD_TOKEN=${DEFAULT_TOKEN}`,
        `  curl -H "Authorization: Bearer ${DEFAULT_TOKEN}" ${url}/v1/floating_ips`,
      ];
    case 'robot': {
      const { user, password } = DEFAULT_ROBOT_CREDENTIALS;
      return [
        'point ipferry at it with the Robot base URL and web-service user:',
        `  base URL ${url}  user ${user}  password ${password}`,
        `  curl -u ${user}:${password} ${url}/failover`,
      ];
    }
  }
}

function adminLines(url: string): string[] {
  return [
    'inspect and disturb it through the admin routes:',
    `  GET  ${url}/__admin/state | /__admin/calls | /__admin/invariants`,
    `  POST ${url}/__admin/faults   {"kind":"throttle"|"error"|"hang","count":3}`,
    `  POST ${url}/__admin/settings {"consistencyLagMs":2000,"latencyMs":50}`,
  ];
}

/** The command; `until` (tests) replaces waiting for SIGINT/SIGTERM. */
export function simCommand(until: () => Promise<void> = untilSignalled): Command {
  return {
    async run(argv) {
      const args = parse(argv, {
        usage: USAGE,
        options: { port: { type: 'string' }, config: { type: 'string' }, profile: { type: 'string' } },
        positionals: { min: 1, max: 1 },
      });
      if (typeof args === 'number') return args;
      const kind = args.positionals[0]!;
      if (!(SIM_KINDS as readonly string[]).includes(kind)) {
        return usageError(USAGE, `unknown emulator "${kind}" (one of ${SIM_KINDS.join(', ')})`);
      }
      const port = args.values.port === undefined ? 0 : Number(args.values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        return usageError(USAGE, `--port must be a port number (0-65535), not "${args.values.port}"`);
      }
      let profile: EmulatorProfile;
      try {
        profile = parseProfile(args.values.profile ?? DEFAULT_PROFILE);
      } catch (err) {
        return usageError(USAGE, `--${(err as Error).message}`);
      }
      let config: Config | undefined;
      if (args.values.config !== undefined) {
        try {
          config = await readConfigFile(args.values.config);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          printConfigError(args.values.config, err);
          return 1;
        }
      }
      let sim: RunningSim;
      try {
        sim = await startSim(kind as SimKind, { port, profile, ...(config ? { config } : {}) });
      } catch (err) {
        // A seed the emulator refuses, or a port already taken: say which, and stop.
        console.error(`ipferry sim ${kind}: ${termSafeLines(err instanceof Error ? err.message : String(err))}`);
        return 1;
      }
      for (const line of sim.lines) console.log(line);
      await until();
      await sim.close();
      return 0;
    },
  };
}

export const sim = simCommand();
