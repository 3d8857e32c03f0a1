import { HetznerCloudClient, HetznerCloudProvider } from '../../adapters/hetzner/cloud';
import type { Clock } from '../../core/clock';
import { loadConfig, type Config, type NodeSpec, type Vip } from '../../core/config';
import { HetznerCloudEmulator, demoCloudSeed, type CloudSeed } from '../../sim/hetzner-cloud';
import { EmulatorAdmin } from './emulator-admin';

/**
 * A Hetzner Cloud project for the contract and the adapter tests: the demo seed plus a third
 * eu-central server (mx3, hel1) on network 10 and a
 * floating IP (103, 198.18.9.3 on mx2) that the config names only by address. mx1 carries the alias 10.0.1.50 and another alias
 * (10.0.1.60), mx2 its own alias (10.0.1.70): moves must never drop those. us1 (ash, us-east, not
 * on network 10) is the node in the wrong place.
 */
export function cloudSeed(overrides: Partial<CloudSeed> = {}): CloudSeed {
  const seed = demoCloudSeed({ actionDurationMs: 60, ...overrides });
  const servers = seed.servers!.map((s) => ({ ...s, privateNets: s.privateNets?.map((n) => ({ ...n })) }));
  servers[0]!.privateNets![0]!.aliasIps = ['10.0.1.50', '10.0.1.60'];
  servers[1]!.privateNets![0]!.aliasIps = ['10.0.1.70'];
  servers.push({
    id: 4,
    name: 'mx3',
    location: 'hel1',
    publicIpv4: '198.18.1.4',
    privateNets: [{ network: 10, ip: '10.0.1.4' }],
  });
  const floatingIps = [
    ...seed.floatingIps!,
    { id: 103, name: 'vip-found-by-address', ip: '198.18.9.3', homeLocation: 'fsn1', server: 2 },
  ];
  return { ...seed, servers, floatingIps, ...(overrides.servers ? { servers: overrides.servers } : {}) };
}

export function cloudConfig(): Config {
  return loadConfig({
    cluster: 'contract',
    security: { psk: 'contract-psk-0123456789' },
    nodes: [
      { id: 'mx1', interface: 'eth0', hetzner: { serverId: 1, location: 'fsn1', networkId: 10 } },
      { id: 'mx2', interface: 'eth0', hetzner: { serverId: 2, location: 'nbg1', networkId: 10 } },
      { id: 'mx3', interface: 'eth0', hetzner: { serverId: 4, location: 'hel1', networkId: 10 } },
      { id: 'us1', interface: 'eth0', hetzner: { serverId: 3, location: 'ash' } },
    ],
    vips: [
      { name: 'vip-mail', address: '198.18.9.1/32', kind: 'hetzner-floating-ip', hetzner: { floatingIpId: 100 } },
      { name: 'vip-by-address', address: '198.18.9.3/32', kind: 'hetzner-floating-ip' },
      { name: 'vip-alias', address: '10.0.1.50/32', kind: 'hetzner-alias-ip', hetzner: { networkId: 10 } },
      { name: 'vip-alias-2', address: '10.0.1.51/32', kind: 'hetzner-alias-ip', hetzner: { networkId: 10 } },
      { name: 'vip-gone', address: '198.18.9.99/32', kind: 'hetzner-floating-ip', hetzner: { floatingIpId: 999 } },
      { name: 'vip-alias-gone', address: '10.9.0.50/32', kind: 'hetzner-alias-ip', hetzner: { networkId: 999 } },
    ],
  });
}

export interface CloudWorld {
  emu: HetznerCloudEmulator;
  admin: EmulatorAdmin;
  config: Config;
  client: HetznerCloudClient;
  provider: HetznerCloudProvider;
  node(id: string): NodeSpec;
  vip(name: string): Vip;
  /** A provider on the same emulator with another token. */
  providerWithToken(token: string): HetznerCloudProvider;
}

/**
 * A fresh emulator on 127.0.0.1 (port 0) and a provider with short polls, on the wall clock. With
 * `real`, the emulator runs the real profile on that clock (a scaled one in tests) and the client
 * and provider keep their production timings on the same clock, so every rule and every poll is
 * the real one, only faster.
 */
export async function cloudWorld(seed: CloudSeed = cloudSeed(), real?: { clock: Clock }): Promise<CloudWorld> {
  const emu = real
    ? new HetznerCloudEmulator(withoutActionDuration(seed), {}, Date.now, { profile: 'real', clock: real.clock })
    : new HetznerCloudEmulator(seed);
  await emu.start();
  const config = cloudConfig();
  const build = (token: string) => {
    if (real) {
      const client = new HetznerCloudClient({ token, baseUrl: emu.apiUrl, clock: real.clock });
      return { client, provider: new HetznerCloudProvider({ client, nodes: config.nodes }) };
    }
    const client = new HetznerCloudClient({ token, baseUrl: emu.apiUrl, timeoutMs: 5000 });
    return {
      client,
      provider: new HetznerCloudProvider({ client, nodes: config.nodes, actionPollMs: 20, verifyPollMs: 20 }),
    };
  };
  const { client, provider } = build('test-token');
  return {
    emu,
    admin: new EmulatorAdmin(emu.url),
    config,
    client,
    provider,
    node: (id) => config.nodes.find((n) => n.id === id) ?? fail(`no node ${id}`),
    vip: (name) => config.vips.find((v) => v.name === name) ?? fail(`no VIP ${name}`),
    providerWithToken: (token) => build(token).provider,
  };
}

interface CloudState {
  floatingIps: Array<{ id: number; server: number | null }>;
  servers: Array<{ id: number; privateNets: Array<{ network: number; aliasIps: string[] }> }>;
}

/** The node holding floating IP `id` in the emulator's true state (a foreign server shows as "server N"). */
export async function floatingHolder(w: CloudWorld, id: number): Promise<string | null> {
  const state = await w.admin.state<CloudState>();
  const server = state.floatingIps.find((f) => f.id === id)?.server ?? null;
  return server === null ? null : nodeOfServer(w, server);
}

/** The node(s) holding alias `ip` on `network` in the true state; two holders come back joined, to fail loudly. */
export async function aliasHolder(w: CloudWorld, network: number, ip: string): Promise<string | null> {
  const state = await w.admin.state<CloudState>();
  const holders = state.servers
    .filter((s) => s.privateNets.some((n) => n.network === network && n.aliasIps.includes(ip)))
    .map((s) => nodeOfServer(w, s.id));
  return holders.length === 0 ? null : holders.join(' and ');
}

export async function aliasesOf(w: CloudWorld, serverId: number, network = 10): Promise<string[]> {
  const state = await w.admin.state<CloudState>();
  return state.servers.find((s) => s.id === serverId)?.privateNets.find((n) => n.network === network)?.aliasIps ?? [];
}

function nodeOfServer(w: CloudWorld, server: number): string {
  return w.config.nodes.find((n) => n.hetzner?.serverId === server)?.id ?? `server ${server}`;
}

/** The real profile's action time comes from the emulator, not from the test seed's short one. */
function withoutActionDuration(seed: CloudSeed): CloudSeed {
  const { actionDurationMs: _ignored, ...rest } = seed;
  return rest;
}

function fail(message: string): never {
  throw new Error(message);
}
