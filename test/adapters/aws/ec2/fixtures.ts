import pino from 'pino';
import { Ec2Provider } from '../../../../adapters/aws/ec2';
import { Route53Core, Route53Provider, Route53RecordSetPublisher } from '../../../../adapters/aws/route53';
import { loadConfig, type Config, type NodeSpec, type Vip } from '../../../../core/config';
import type { MoveContext } from '../../../../core/ports';
import { Ec2Emulator, type Ec2EmulatorOptions, type Ec2Seed } from '../../../../sim/aws-ec2';
import { coveringCidr, seedFromConfig } from '../../../../sim/aws-ec2/from-config';
import { Route53Emulator, type Route53EmulatorOptions } from '../../../../sim/aws-route53';
import { seedFromConfig as route53Seed } from '../../../../sim/aws-route53/from-config';
import type { Clock } from '../../../../core/clock';
import type { EmulatorProfile } from '../../../../sim/common/profile';
import { config } from '../../../helpers/configs';

/**
 * A small EC2 world for the adapter tests, described as an ipferry config and turned into the
 * emulator's seed by seedFromConfig, so tests, `ipferry sim` and the example share one path:
 *
 *   subnet-…a1 10.0.1.0/24 (az a): a (eni-…a, 10.0.1.10), b (eni-…b, 10.0.1.11), d (eni-…d, 10.0.1.12)
 *   subnet-…b1 10.0.2.0/24 (az b): c (eni-…c, 10.0.2.10)
 *   subnet-…61 2001:db8:0:1::/64 (+ 10.0.3.0/24): a6, b6, d6 (IPv6 secondary addresses; d6 gives both blocks)
 *   subnet-…e1 10.1.0.0/24 in ANOTHER VPC: x (eni-…e), which no route table of ours can target
 *   VIPs (all unassigned at start): sec4 10.0.1.100, sec6 2001:db8:0:1::100, eip 198.51.100.10,
 *   relay 192.0.2.10/32 in two route tables.
 */
export const IDS = {
  eniA: 'eni-0000000000000000a',
  eniB: 'eni-0000000000000000b',
  eniC: 'eni-0000000000000000c',
  eniD: 'eni-0000000000000000d',
  eniX: 'eni-0000000000000000e',
  eniA6: 'eni-000000000000000a6',
  eniB6: 'eni-000000000000000b6',
  eniD6: 'eni-000000000000000d6',
  alloc: 'eipalloc-00000000000000001',
  rtb1: 'rtb-00000000000000001',
  rtb2: 'rtb-00000000000000002',
} as const;

const OTHER_VPC_SUBNET = 'subnet-000000000000000e1';

const node = (
  id: string,
  eni: string,
  subnetId: string,
  subnetCidr: string,
  privateIp: string,
  az: string,
  subnetIpv6Cidr?: string,
) => ({
  id,
  interface: 'ens5',
  addresses: [privateIp],
  aws: {
    eni,
    subnetId,
    subnetCidr,
    ...(subnetIpv6Cidr ? { subnetIpv6Cidr } : {}),
    privateIp,
    az,
    instanceId: `i-${eni.slice(4)}`,
  },
});

export function ec2Config(): Config {
  return config({
    cluster: 'aws-test',
    control: { mode: 'aws', region: 'eu-central-1' },
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: [
      node('a', IDS.eniA, 'subnet-000000000000000a1', '10.0.1.0/24', '10.0.1.10', 'eu-central-1a'),
      node('b', IDS.eniB, 'subnet-000000000000000a1', '10.0.1.0/24', '10.0.1.11', 'eu-central-1a'),
      node('c', IDS.eniC, 'subnet-000000000000000b1', '10.0.2.0/24', '10.0.2.10', 'eu-central-1b'),
      node('d', IDS.eniD, 'subnet-000000000000000a1', '10.0.1.0/24', '10.0.1.12', 'eu-central-1a'),
      node('x', IDS.eniX, OTHER_VPC_SUBNET, '10.1.0.0/24', '10.1.0.10', 'eu-central-1b'),
      node('a6', IDS.eniA6, 'subnet-00000000000000061', '2001:db8:0:1::/64', '10.0.3.10', 'eu-central-1a'),
      node('b6', IDS.eniB6, 'subnet-00000000000000061', '2001:db8:0:1::/64', '10.0.3.11', 'eu-central-1a'),
      // d6 says its subnet as a dual-stack one: the IPv4 block, and the IPv6 one in subnetIpv6Cidr.
      node(
        'd6',
        IDS.eniD6,
        'subnet-00000000000000061',
        '10.0.3.0/24',
        '10.0.3.12',
        'eu-central-1a',
        '2001:db8:0:1::/64',
      ),
    ],
    vips: [
      { name: 'sec4', kind: 'aws-secondary-ip', address: '10.0.1.100/24' },
      { name: 'sec6', kind: 'aws-secondary-ip', address: '2001:db8:0:1::100/64' },
      { name: 'eip', kind: 'aws-elastic-ip', address: '198.51.100.10/32', aws: { allocationId: IDS.alloc } },
      {
        name: 'relay',
        kind: 'aws-overlay-route',
        address: '192.0.2.10/32',
        aws: { routeTables: [IDS.rtb1, IDS.rtb2] },
      },
    ],
  });
}

export interface Ec2World {
  cfg: Config;
  emu: Ec2Emulator;
  provider: Ec2Provider;
  vip(name: string): Vip;
  node(id: string): NodeSpec;
  ctx(ms?: number): MoveContext;
  admin(path: string, body?: unknown): Promise<unknown>;
  mutating(): number;
  close(): Promise<void>;
}

/** VIPs naming resources EC2 does not have (a config naming them would have them seeded). */
export function unknownVips(): { eip: Vip; relay: Vip } {
  const cfg = loadConfig({
    cluster: 'aws-test',
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: ec2Config().nodes,
    vips: [
      {
        name: 'ghost',
        kind: 'aws-elastic-ip',
        address: '198.51.100.99/32',
        aws: { allocationId: 'eipalloc-0000000000000dead' },
      },
      {
        name: 'lost',
        kind: 'aws-overlay-route',
        address: '192.0.2.77/32',
        aws: { routeTables: ['rtb-0000000000000dead'] },
      },
    ],
  });
  return { eip: cfg.vips[0]!, relay: cfg.vips[1]! };
}

/** The config's world, with x's subnet moved into a VPC of its own (seedFromConfig makes one VPC). */
function seedOf(cfg: Config, sourceDestCheckOn: readonly string[]): Ec2Seed {
  // The operator has turned the check off where overlay routes may point, except where a test says.
  const seed = seedFromConfig(cfg, {
    sourceDestCheckOff: cfg.nodes.map((n) => n.id).filter((id) => !sourceDestCheckOn.includes(id)),
  });
  const other = seed.subnets.find((s) => s.id === OTHER_VPC_SUBNET);
  if (!other) return seed;
  other.vpcId = 'vpc-0000000000000f002';
  const rest = seed.subnets.filter((s) => s !== other).map((s) => s.cidr);
  return {
    ...seed,
    vpcs: [
      { ...seed.vpcs![0]!, cidr: coveringCidr(rest) },
      { id: other.vpcId, cidr: '10.1.0.0/16' },
    ],
  };
}

export interface Ec2WorldOptions extends Partial<Ec2EmulatorOptions> {
  /** Nodes whose interface keeps EC2's default source/destination check (on). */
  sourceDestCheckOn?: readonly string[];
}

export async function ec2World(options: Ec2WorldOptions = {}, cfg: Config = ec2Config()): Promise<Ec2World> {
  const emu = new Ec2Emulator({
    seed: seedOf(cfg, options.sourceDestCheckOn ?? []),
    settings: { strictReassociation: true, ...options.settings },
    ...(options.now ? { now: options.now } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await emu.start(0);
  const provider = new Ec2Provider({
    nodes: cfg.nodes,
    endpoint: emu.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 500,
    pollMs: 20,
    pollMaxMs: 200,
    logger: pino({ enabled: false }),
  });
  let epoch = 0;
  return {
    cfg,
    emu,
    provider,
    vip: (name) => cfg.vips.find((v) => v.name === name) ?? fail(`no VIP ${name}`),
    node: (id) => cfg.nodes.find((n) => n.id === id) ?? fail(`no node ${id}`),
    ctx: (ms = 5000) => ({ epoch: ++epoch, deadline: Date.now() + ms }),
    admin: async (path, body) => {
      const res = await fetch(`${emu.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    mutating: () => emu.calls.count({ mutating: true }),
    close: async () => {
      provider.close();
      await emu.close();
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * A Route 53 world: zone Z0000000000TEST1 (example.net) with the owner record
 * webmail.example.net (VIP "webmail", no preference: absent at start) and the round-robin set
 * smtp.example.net over sec-a, sec-b (IPv4) and sec-6 (IPv6); nodes a, b, d (public IPv4) and
 * v6 (public IPv6). Changes are INSYNC after 150 ms; the rate limit is raised unless a test sets
 * it, so only throttling a test asks for happens.
 */
export const ZONE = 'Z0000000000TEST1';

export function route53Config(): Config {
  const pub = (id: string, publicIp: string) => ({
    id,
    interface: 'eth0',
    addresses: [`10.9.0.${id.charCodeAt(0)}`],
    aws: { publicIp },
  });
  return config({
    cluster: 'r53-test',
    // Node v6 has no address of its own (an IPv6 owner record): liveness is not what these tests are about.
    control: { mode: 'local', liveness: 'direct' },
    security: { psk: 'test-psk-0123456789abcdef' },
    nodes: [
      pub('a', '203.0.113.1'),
      pub('b', '203.0.113.2'),
      pub('d', '203.0.113.4'),
      { id: 'v6', interface: 'eth0', aws: { publicIp: '2001:db8::6' } },
    ],
    vips: [
      { name: 'webmail', kind: 'aws-route53', aws: { hostedZoneId: ZONE, recordName: 'webmail.example.net', ttl: 60 } },
      { name: 'sec-a', address: '10.9.1.100/24', interface: 'eth0' },
      { name: 'sec-b', address: '10.9.2.100/24', interface: 'eth0' },
      { name: 'sec-6', address: '2001:db8:9::100/64', interface: 'eth0' },
    ],
    dns: [{ hostedZoneId: ZONE, name: 'smtp.example.net', ttl: 30, vips: ['sec-a', 'sec-b', 'sec-6'] }],
  });
}

export interface Route53World {
  cfg: Config;
  emu: Route53Emulator;
  provider: Route53Provider;
  publisher: Route53RecordSetPublisher;
  vip(name: string): Vip;
  node(id: string): NodeSpec;
  ctx(ms?: number): MoveContext;
  admin(path: string, body?: unknown): Promise<unknown>;
  changes(): number;
  close(): Promise<void>;
}

/** A run under an emulator profile: the emulator's clock (scaled) and the rate the adapter paces itself at in wall time. */
export interface ProfiledRun {
  profile: EmulatorProfile;
  clock: Clock;
  adapterRequestsPerSecond: number;
}

export async function route53World(
  settings: Route53EmulatorOptions['settings'] = {},
  cfg: Config = route53Config(),
  run?: ProfiledRun,
): Promise<Route53World> {
  // Without a profile: fast changes and a raised limit. With one: the profile's figures stand.
  const emu = run
    ? new Route53Emulator({ seed: route53Seed(cfg), settings, profile: run.profile, clock: run.clock })
    : new Route53Emulator({
        seed: route53Seed(cfg),
        settings: { propagationDelayMs: 150, requestsPerSecond: 1000, ...settings },
      });
  await emu.start(0);
  // The adapter paces itself at the account's rate; the emulator's (raised unless a test sets it) is what it is told.
  const rps = run?.adapterRequestsPerSecond ?? settings.requestsPerSecond ?? 1000;
  const core = new Route53Core({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 500,
    pollMs: 50,
    requestsPerSecond: rps >= 5 ? rps : 5,
    logger: pino({ enabled: false }),
  });
  const provider = new Route53Provider({ nodes: cfg.nodes, core });
  const publisher = new Route53RecordSetPublisher({ core });
  let epoch = 0;
  return {
    cfg,
    emu,
    provider,
    publisher,
    vip: (name) => cfg.vips.find((v) => v.name === name) ?? fail(`no VIP ${name}`),
    node: (id) => cfg.nodes.find((n) => n.id === id) ?? fail(`no node ${id}`),
    ctx: (ms = 5000) => ({ epoch: ++epoch, deadline: Date.now() + ms }),
    admin: async (path, body) => {
      const res = await fetch(`${emu.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    changes: () => emu.calls.count({ action: 'ChangeResourceRecordSets' }),
    close: async () => {
      core.close();
      await emu.close();
    },
  };
}
