import type { CloudState, FloatingIpRecord, NetworkRecord, ServerRecord } from './state';

/**
 * The JSON the API shows for each resource, as of read time `at` with lag `lagMs` (what a client
 * sees, not the reservation). Fields a failover tool never reads are kept, with plain values,
 * so clients that validate the full shape are exercised.
 */
export interface View {
  state: CloudState;
  at: number;
  lagMs: number;
  isLocked(type: 'server' | 'floating_ip', id: number): boolean;
}

export function renderFloatingIp(f: FloatingIpRecord, v: View): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    ip: f.ip,
    type: f.type,
    server: f.server.visible(v.at, v.lagMs),
    dns_ptr: [],
    home_location: f.homeLocation,
    blocked: f.blocked,
    protection: f.protection,
    labels: f.labels,
    created: v.state.created,
  };
}

export function renderServer(s: ServerRecord, v: View): Record<string, unknown> {
  const floating = [...v.state.floatingIps.values()]
    .filter((f) => f.server.visible(v.at, v.lagMs) === s.id)
    .map((f) => f.id);
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    created: v.state.created,
    public_net: {
      ipv4:
        s.publicIpv4 === null
          ? null
          : { id: s.id * 10 + 4, ip: s.publicIpv4, blocked: false, dns_ptr: `static.${s.name}.example` },
      ipv6: s.publicIpv6 === null ? null : { id: s.id * 10 + 6, ip: s.publicIpv6, blocked: false, dns_ptr: [] },
      floating_ips: floating,
      firewalls: [],
    },
    private_net: [...s.nets.entries()].map(([network, n]) => ({
      network,
      ip: n.ip,
      alias_ips: [...n.aliases.visible(v.at, v.lagMs)],
      mac_address: n.macAddress,
    })),
    server_type: {
      id: 22,
      name: 'cx22',
      description: 'CX22',
      cores: 2,
      memory: 4,
      disk: 40,
      deprecated: false,
      storage_type: 'local',
      cpu_type: 'shared',
      architecture: 'x86',
    },
    datacenter: {
      id: s.location.id * 10,
      name: s.datacenter,
      description: `${s.location.city} ${s.datacenter}`,
      location: s.location,
    },
    image: null,
    iso: null,
    rescue_enabled: false,
    locked: v.isLocked('server', s.id),
    backup_window: null,
    outgoing_traffic: null,
    ingoing_traffic: null,
    included_traffic: 21990232555520,
    protection: { delete: false, rebuild: false },
    labels: {},
    volumes: [],
    load_balancers: [],
    primary_disk_size: 40,
    placement_group: null,
  };
}

export function renderNetwork(n: NetworkRecord, v: View): Record<string, unknown> {
  const servers = [...v.state.servers.values()].filter((s) => s.nets.has(n.id)).map((s) => s.id);
  return {
    id: n.id,
    name: n.name,
    ip_range: `${n.ipRange.text}/${n.ipRange.length}`,
    subnets: n.subnets.map((s) => ({
      type: s.type,
      ip_range: `${s.ipRange.text}/${s.ipRange.length}`,
      network_zone: s.networkZone,
      gateway: s.gateway,
      vswitch_id: null,
    })),
    routes: [],
    servers,
    load_balancers: [],
    protection: { delete: false },
    labels: {},
    created: v.state.created,
    expose_routes_to_vswitch: false,
  };
}
