/**
 * The programmatic seed of a HetznerCloudEmulator: plain data describing the project as it is when
 * the emulator starts. Ids are chosen by the caller so tests can name things; everything the API
 * shows but a test rarely cares about (MAC addresses, datacenters, creation times) has a default.
 *
 * ```ts
 * new HetznerCloudEmulator({
 *   networks: [{ id: 10, ipRange: '10.0.0.0/16', subnets: [{ ipRange: '10.0.1.0/24' }] }],
 *   servers: [
 *     { id: 1, name: 'a', location: 'fsn1', publicIpv4: '198.18.1.1', privateNets: [{ network: 10, ip: '10.0.1.2' }] },
 *     { id: 2, name: 'b', location: 'nbg1', publicIpv4: '198.18.1.2', privateNets: [{ network: 10, ip: '10.0.1.3' }] },
 *   ],
 *   floatingIps: [{ id: 100, ip: '198.18.9.1', homeLocation: 'fsn1', server: 1 }],
 * });
 * ```
 */
export interface CloudSeed {
  /** Bearer tokens the emulator accepts. Default: `['test-token']`. */
  tokens?: string[];
  networks?: NetworkSeed[];
  servers?: ServerSeed[];
  floatingIps?: FloatingIpSeed[];
  /** How long each action stays `running` (ms). Default 200. Changeable later. */
  actionDurationMs?: number;
  /** Requests per hour per project, refilled evenly (one per second at 3600). Default 3600. */
  rateLimitPerHour?: number;
}

export interface NetworkSeed {
  id: number;
  name?: string;
  /** The network's whole range, e.g. "10.0.0.0/16". */
  ipRange: string;
  /** Default: one cloud subnet covering `ipRange` in eu-central. */
  subnets?: SubnetSeed[];
}

export interface SubnetSeed {
  ipRange: string;
  /** Default "eu-central". */
  networkZone?: string;
  /** Default "cloud". */
  type?: 'cloud' | 'server' | 'vswitch';
}

export interface ServerSeed {
  id: number;
  name: string;
  /** Location name: fsn1, nbg1, hel1, ash, hil, sin. */
  location: string;
  /** Default `${location}-dc14`. */
  datacenter?: string;
  publicIpv4?: string | null;
  /** A /64, e.g. "2001:db8:1::/64". */
  publicIpv6?: string | null;
  /** Default "running". */
  status?: 'running' | 'off' | 'initializing' | 'starting' | 'stopping';
  privateNets?: Array<{ network: number; ip: string; aliasIps?: string[]; macAddress?: string }>;
  /** Most alias IPs this server may carry per network. Default 5. */
  aliasLimit?: number;
}

export interface FloatingIpSeed {
  id: number;
  name?: string;
  description?: string | null;
  /** An IPv4 address, or an IPv6 /64 such as "2001:db8:ff::/64". */
  ip: string;
  /** Default from the address family. */
  type?: 'ipv4' | 'ipv6';
  homeLocation: string;
  /** The server it is assigned to; default unassigned. */
  server?: number | null;
  /** Blocked IPs (abuse) cannot be assigned. Default false. */
  blocked?: boolean;
  protection?: { delete: boolean };
  labels?: Record<string, string>;
}

export const DEFAULT_TOKEN = 'test-token';
export const DEFAULT_ACTION_DURATION_MS = 200;
/**
 * The real profile's figures. Actions such as assign_floating_ip and change_alias_ips are
 * asynchronous and usually end within seconds (hcloud-go's WaitFor polls them with a 500 ms
 * backoff; the API docs only say an action "may take some time"): 3 s is our estimate, not a
 * documented figure. A backup or snapshot (create_image) locks the server for minutes (Hetzner
 * Docs, Cloud > Backups/Snapshots: "a few minutes", growing with the disk): 5 minutes here. The
 * project limit is 3600 requests an hour, refilled one a second (API docs, Rate Limiting).
 */
export const REAL_ACTION_DURATION_MS = 3_000;
export const REAL_IMAGE_LOCK_MS = 300_000;
export const DEFAULT_ALIAS_LIMIT = 5;
