import type { ActionBook } from './actions';
import type { CloudState } from './state';

/**
 * The emulator's true state for `GET /__admin/state`: what is in effect now (`server`,
 * `aliasIps`) and what running actions have reserved (`reservedServer`, `reservedAliasIps`).
 */
export function cloudSnapshot(
  state: CloudState,
  actions: ActionBook,
  now: number,
  rateLimitRemaining: number,
): unknown {
  return {
    floatingIps: [...state.floatingIps.values()].map((f) => ({
      id: f.id,
      ip: f.ip,
      server: f.server.visible(now, 0),
      reservedServer: f.server.current(),
      locked: actions.isLocked('floating_ip', f.id, now),
    })),
    servers: [...state.servers.values()].map((s) => ({
      id: s.id,
      name: s.name,
      location: s.location.name,
      locked: actions.isLocked('server', s.id, now),
      privateNets: [...s.nets.entries()].map(([network, n]) => ({
        network,
        ip: n.ip,
        aliasIps: n.aliases.visible(now, 0),
        reservedAliasIps: n.aliases.current(),
      })),
    })),
    networks: [...state.networks.values()].map((n) => ({ id: n.id, ipRange: `${n.ipRange.text}/${n.ipRange.length}` })),
    rateLimitRemaining: Math.floor(rateLimitRemaining),
  };
}
