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
  /** How long a switch takes; further changes get FAILOVER_LOCKED meanwhile. Default 1000 (fast), 50 000 (real: 40–60 s). */
  routingMs?: number;
  /** Failover switches (POST and DELETE) allowed per hour. Default 50, as Robot documents. */
  switchesPerHour?: number;
  /** GETs allowed per hour on /failover; null means not limited. Default: 100 under the real profile, none under fast. */
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

/**
 * The real profile's figures.
 *  - Routing: "the switch takes between 40 and 60 seconds" and the POST returns only once it is
 *    done (Hetzner Docs, Robot > Failover IP; community.hrobot's failover_ip module says the call
 *    "returns when the failover IP has been successfully routed" and allows 180 s). We take 50 s.
 *  - Reads: GET /failover and GET /failover/{ip} each list "Request limit: 100 requests per 1 hour"
 *    (robot.hetzner.com/doc/webservice/en.html#failover, checked again for issue #14); one window
 *    for both is the stricter reading.
 *  - Switches: POST and DELETE /failover/{ip}, "50 requests per hour" each (same page;
 *    WWW::Hetzner::Robot repeats it).
 *  - FAILOVER_NOT_COMPLETE: 500, documented with FAILOVER_FAILED's text; see errors.ts.
 */
export const REAL_ROUTING_MS = 50_000;
export const REAL_READS_PER_HOUR = 100;
