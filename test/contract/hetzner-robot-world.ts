import { HetznerRobotClient, HetznerRobotProvider } from '../../adapters/hetzner/robot';
import { loadConfig, type Config, type NodeSpec, type Vip } from '../../core/config';
import { HetznerRobotEmulator, demoRobotSeed, type RobotSeed } from '../../sim/hetzner-robot';
import { EmulatorAdmin } from './emulator-admin';

/**
 * A Robot account for the contract and the adapter tests: the demo seed (db1..db3, failover IP
 * 198.18.8.1 routed to db1) with 50 ms routing. Robot routes a failover IP to any server of the
 * account in any location, so its only "wrong place" is a server address of the other family:
 * db3v6 names db3's IPv6 net for an IPv4 failover IP.
 */
export function robotConfig(): Config {
  return loadConfig({
    cluster: 'contract',
    security: { psk: 'contract-psk-0123456789' },
    nodes: [
      { id: 'db1', interface: 'eth0', hetzner: { robotServerIp: '198.18.3.1' } },
      { id: 'db2', interface: 'eth0', hetzner: { robotServerIp: '198.18.3.2' } },
      { id: 'db3', interface: 'eth0', hetzner: { robotServerIp: '198.18.3.3' } },
      { id: 'db3v6', interface: 'eth0', hetzner: { robotServerIp: '2001:db8:3:3::' } },
    ],
    vips: [
      { name: 'vip-db', address: '198.18.8.1/32', kind: 'hetzner-robot-failover-ip' },
      {
        name: 'vip-db6',
        address: '2001:db8:f0::/64',
        kind: 'hetzner-robot-failover-ip',
        eligible: { nodes: ['db3v6'] },
      },
      { name: 'vip-gone', address: '198.18.8.99/32', kind: 'hetzner-robot-failover-ip' },
    ],
  });
}

export interface RobotWorld {
  emu: HetznerRobotEmulator;
  admin: EmulatorAdmin;
  config: Config;
  client: HetznerRobotClient;
  provider: HetznerRobotProvider;
  node(id: string): NodeSpec;
  vip(name: string): Vip;
  providerWithPassword(password: string): HetznerRobotProvider;
  holder(ip: string): Promise<string | null>;
}

/**
 * A fresh emulator on 127.0.0.1 (port 0) and a provider with short read-back polls. `switchesPerHour`
 * sets both the account's and the client's limit; Robot's retry hint is the average spacing
 * (an hour / limit), so the contract runs with 3600 (1 s hints) where production has 50 (72 s).
 */
export async function robotWorld(
  opts: { switchesPerHour?: number; seed?: Partial<RobotSeed> } = {},
): Promise<RobotWorld> {
  const switchesPerHour = opts.switchesPerHour ?? 50;
  const routingMs = opts.seed?.routingMs ?? 50;
  const emu = new HetznerRobotEmulator(demoRobotSeed({ routingMs, switchesPerHour, ...opts.seed }));
  await emu.start();
  const config = robotConfig();
  const build = (password: string) => {
    const client = new HetznerRobotClient({
      user: 'robot-user',
      password,
      baseUrl: emu.url,
      timeoutMs: 5000,
      switchTimeoutMs: 5000,
      switchesPerHour,
    });
    // The provider's longest routing time is the emulator's, as production's 60 s is Robot's.
    return {
      client,
      provider: new HetznerRobotProvider({ client, nodes: config.nodes, verifyPollMs: 20, routingMaxMs: routingMs }),
    };
  };
  const { client, provider } = build('robot-pass');
  const admin = new EmulatorAdmin(emu.url);
  return {
    emu,
    admin,
    config,
    client,
    provider,
    node: (id) => config.nodes.find((n) => n.id === id) ?? fail(`no node ${id}`),
    vip: (name) => config.vips.find((v) => v.name === name) ?? fail(`no VIP ${name}`),
    providerWithPassword: (password) => build(password).provider,
    async holder(ip) {
      const state = await admin.state<{ failovers: Array<{ ip: string; activeServerIp: string | null }> }>();
      const active = state.failovers.find((f) => f.ip === ip)?.activeServerIp ?? null;
      if (active === null) return null;
      return config.nodes.find((n) => n.hetzner?.robotServerIp === active)?.id ?? `server ${active}`;
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}
