import { canonicalIp, parseIp } from '../../core/ip';
import { Lagged } from '../common/lagged';
import type { FailoverIpSeed, RobotSeed, RobotServerSeed } from './seed';

/**
 * The account's servers and failover IPs. `active` is Lagged: a switch writes the new target
 * stamped with the time routing completes, so reads show it only then (plus the consistency lag),
 * and `lockedUntil` refuses further switches while routing runs.
 */
export interface RobotServer {
  number: number;
  ip: string;
  ipv6Net: string | null;
  name: string;
}

export interface FailoverRecord {
  ip: string;
  family: 4 | 6;
  netmask: string;
  server: RobotServer;
  active: Lagged<string | null>;
  lockedUntil: number;
}

export class RobotState {
  readonly servers = new Map<number, RobotServer>();
  readonly failovers = new Map<string, FailoverRecord>();

  constructor(seed: RobotSeed) {
    for (const s of seed.servers) {
      if (this.servers.has(s.number)) throw new Error(`seed: duplicate server number ${s.number}`);
      this.servers.set(s.number, buildServer(s));
    }
    for (const f of seed.failoverIps) {
      const record = this.buildFailover(f);
      if (this.failovers.has(record.ip)) throw new Error(`seed: duplicate failover IP ${record.ip}`);
      this.failovers.set(record.ip, record);
    }
  }

  /** The server a failover of this family may be routed to by `target`, if any. */
  targetServer(family: 4 | 6, target: string): RobotServer | undefined {
    for (const s of this.servers.values()) if ((family === 4 ? s.ip : s.ipv6Net) === target) return s;
    return undefined;
  }

  private buildFailover(f: FailoverIpSeed): FailoverRecord {
    const ip = parseIp(f.ip);
    if (!ip) throw new Error(`seed: failover IP "${f.ip}" is not an IP`);
    const server = this.servers.get(f.server);
    if (!server) throw new Error(`seed: failover IP ${f.ip} is booked on unknown server ${f.server}`);
    const own = ip.family === 4 ? server.ip : server.ipv6Net;
    const initial =
      f.activeServerIp === undefined ? own : f.activeServerIp === null ? null : canonicalIp(f.activeServerIp);
    if (initial === undefined || (initial !== null && !this.targetServer(ip.family, initial))) {
      throw new Error(
        `seed: failover IP ${f.ip} is routed to ${String(f.activeServerIp)}, which is no server of the account`,
      );
    }
    return {
      ip: canonicalIp(f.ip)!,
      family: ip.family,
      netmask: f.netmask ?? (ip.family === 4 ? '255.255.255.255' : 'ffff:ffff:ffff:ffff::'),
      server,
      active: new Lagged<string | null>(initial),
      lockedUntil: Number.NEGATIVE_INFINITY,
    };
  }
}

function buildServer(s: RobotServerSeed): RobotServer {
  const ip = canonicalIp(s.ip);
  if (ip === undefined || ip.includes(':')) throw new Error(`seed: server ${s.number} main IP "${s.ip}" is not IPv4`);
  const v6 = s.ipv6Net === undefined ? null : canonicalIp(s.ipv6Net);
  if (v6 === undefined) throw new Error(`seed: server ${s.number} IPv6 net "${s.ipv6Net}" is not IPv6`);
  return { number: s.number, ip, ipv6Net: v6, name: s.name ?? `server-${s.number}` };
}

export function renderFailover(f: FailoverRecord, active: string | null): Record<string, unknown> {
  return {
    ip: f.ip,
    netmask: f.netmask,
    server_ip: f.server.ip,
    server_ipv6_net: f.server.ipv6Net,
    server_number: f.server.number,
    active_server_ip: active,
  };
}

/** The invariant: each failover IP is routed to at most one known server, of its own family. */
export function robotViolations(state: RobotState, now: number): string[] {
  const out: string[] = [];
  for (const f of state.failovers.values()) {
    for (const target of [f.active.current(), f.active.visible(now, 0)]) {
      if (target !== null && !state.targetServer(f.family, target))
        out.push(`failover IP ${f.ip} is routed to ${target}, no server of the account`);
    }
    for (const s of state.servers.values())
      if (s.ip === f.ip) out.push(`failover IP ${f.ip} is also server ${s.number}'s main IP`);
  }
  return out;
}
