/**
 * A Robot account built from an ipferry config (pure, no I/O), for `ipferry sim robot --config
 * FILE` and tests: a dedicated server per node with `hetzner.robotServerIp` (numbered by
 * `hetzner.serverId` when set, else 101, 102, … in node order), and a failover IP per
 * `hetzner-robot-failover-ip` VIP, booked on and routed to its preferred node's server; without a
 * preference it is booked on the first server and starts unrouted, so the first decision routes it.
 */
import { canCarry, type Config } from '../../core/config';
import { DEFAULT_ROBOT_CREDENTIALS, type RobotSeed } from './seed';

export function seedFromConfig(config: Config): RobotSeed {
  const nodes = config.nodes.filter(
    (n) => n.hetzner?.robotServerIp !== undefined && !n.hetzner.robotServerIp.includes(':'),
  );
  const servers = nodes.map((n, i) => ({
    number: n.hetzner?.serverId ?? 101 + i,
    ip: n.hetzner!.robotServerIp!,
    name: n.id,
  }));
  const numberOf = new Map(nodes.map((n, i) => [n.id, servers[i]!.number]));
  const failoverIps = config.vips
    .filter((v) => v.kind === 'hetzner-robot-failover-ip' && v.ip && servers.length > 0)
    .map((v) => {
      const preferred = v.preferred ? nodes.find((n) => n.id === v.preferred) : undefined;
      const holder = preferred && canCarry(v, preferred) && v.ip!.family === 4 ? preferred : undefined;
      return {
        ip: v.ip!.text,
        server: holder ? numberOf.get(holder.id)! : servers[0]!.number,
        activeServerIp: holder ? holder.hetzner!.robotServerIp! : null,
      };
    });
  return { credentials: [{ ...DEFAULT_ROBOT_CREDENTIALS }], servers, failoverIps };
}
