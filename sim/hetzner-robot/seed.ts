/**
 * The programmatic seed of a HetznerRobotEmulator: the dedicated servers of one Robot account and
 * the failover IPs booked on them. Plain data; addresses in test ranges.
 *
 * ```ts
 * new HetznerRobotEmulator({
 *   servers: [{ number: 321, ip: '198.18.3.1' }, { number: 322, ip: '198.18.3.2' }],
 *   failoverIps: [{ ip: '198.18.8.1', server: 321 }],   // routed to its own server at start
 * });
 * ```
 */
export interface RobotSeed {
  /** Web-service users (HTTP Basic). Default: one user "robot-user" / "robot-pass". */
  credentials?: Array<{ user: string; password: string }>;
  servers: RobotServerSeed[];
  failoverIps: FailoverIpSeed[];
  /** How long a switch takes; further changes get FAILOVER_LOCKED meanwhile (real: 40–60 s). Default 1000. */
  routingMs?: number;
  /** Failover switches (POST and DELETE) allowed per hour. Default 50, as Robot documents. */
  switchesPerHour?: number;
  /** GETs allowed per hour on /failover; null (the default) means not limited. */
  readsPerHour?: number | null;
}

export interface RobotServerSeed {
  /** The server number Robot shows (server_number). */
  number: number;
  /** Main IPv4 address: what `active_server_ip` names for an IPv4 failover IP. */
  ip: string;
  /** The server's IPv6 /64 network address, e.g. "2001:db8:3:1::" (target of IPv6 failover nets). */
  ipv6Net?: string;
  name?: string;
}

export interface FailoverIpSeed {
  /** An IPv4 address, or an IPv6 network address such as "2001:db8:f0::". */
  ip: string;
  /** Default 255.255.255.255 for IPv4, ffff:ffff:ffff:ffff:: for IPv6. */
  netmask?: string;
  /** Number of the server the failover IP is booked on (server_ip / server_number). */
  server: number;
  /** Where it is routed at start: a server main IP (or IPv6 net), null for unrouted; default its own server. */
  activeServerIp?: string | null;
}

export const DEFAULT_ROBOT_CREDENTIALS = { user: 'robot-user', password: 'robot-pass' } as const;
export const DEFAULT_ROUTING_MS = 1000;
export const DEFAULT_SWITCHES_PER_HOUR = 50;
