import { canonicalIp } from '../../core/ip';
import type { ActionBook } from './actions';
import { inNetwork, type CloudState } from './state';

/**
 * Moves "by hand", as a person in the Cloud Console would make them: they take effect at once
 * (no action to poll) and bypass the API's rate limit and faults, but not its rules, so they make
 * drift a test can reconcile without ever breaking the emulator's invariant.
 */
export class HandMoveError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function moveFloatingIpByHand(
  state: CloudState,
  actions: ActionBook,
  now: number,
  id: number,
  serverId: number | null,
): void {
  const fip = state.floatingIps.get(id);
  if (!fip) throw new HandMoveError(404, `no floating IP ${id}`);
  if (actions.isLocked('floating_ip', id, now))
    throw new HandMoveError(409, `floating IP ${id} is locked by a running action`);
  if (serverId !== null) {
    const server = state.servers.get(serverId);
    if (!server) throw new HandMoveError(404, `no server ${serverId}`);
    if (server.location.network_zone !== fip.homeLocation.network_zone) {
      throw new HandMoveError(400, `server ${serverId} is in another network zone than floating IP ${id}`);
    }
  }
  fip.server.set(serverId, now);
}

export function moveAliasIpByHand(
  state: CloudState,
  actions: ActionBook,
  now: number,
  networkId: number,
  ipText: string,
  serverId: number | null,
): void {
  const network = state.networks.get(networkId);
  if (!network) throw new HandMoveError(404, `no network ${networkId}`);
  const ip = canonicalIp(ipText);
  if (ip === undefined || !inNetwork(network, ip))
    throw new HandMoveError(400, `${ipText} is not an address of network ${networkId}`);
  if (state.primaryHolder(networkId, ip) !== undefined) throw new HandMoveError(409, `${ip} is a server's primary IP`);
  const target = serverId === null ? undefined : state.servers.get(serverId)?.nets.get(networkId);
  if (serverId !== null && !target)
    throw new HandMoveError(404, `server ${serverId} is not attached to network ${networkId}`);
  const adds = target !== undefined && !target.aliases.current().includes(ip);
  if (adds && serverId !== null && target.aliases.current().length >= state.servers.get(serverId)!.aliasLimit) {
    throw new HandMoveError(400, `server ${serverId} already carries its maximum of alias IPs`);
  }
  for (const s of state.servers.values()) {
    if (s.nets.get(networkId)?.aliases.current().includes(ip) && actions.isLocked('server', s.id, now)) {
      throw new HandMoveError(409, `server ${s.id} is locked by a running action`);
    }
  }
  if (serverId !== null && actions.isLocked('server', serverId, now))
    throw new HandMoveError(409, `server ${serverId} is locked by a running action`);
  for (const s of state.servers.values()) {
    const net = s.nets.get(networkId);
    if (net && s.id !== serverId && net.aliases.current().includes(ip))
      net.aliases.set(
        net.aliases.current().filter((a) => a !== ip),
        now,
      );
  }
  if (adds) target.aliases.set([...target.aliases.current(), ip], now);
}
