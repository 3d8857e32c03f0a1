import { witnessAddress, type Config } from '../../core/config';
import { witnessRing } from '../../core/witness';

/*
 * Where a node stands in the witness ring, from the config alone: whom it watches, where its
 * witnesses listen, and how long it may go unheard before it lets go of what only it carries.
 */

/** How long a node may go unheard by most of its neighbours before it lets go of what only it carries. */
export function witnessLease(config: Config): number {
  const { deadAfter, heartbeatInterval } = config.timers;
  return Math.max(heartbeatInterval, deadAfter - 1.5 * heartbeatInterval);
}

/** Whom a node watches (ids), and where its witnesses and all other nodes listen (host:port). */
export function witnessPeers(
  config: Config,
  self: string,
): { watched: readonly string[]; witnesses: string[]; everyone: string[] } {
  const ring = witnessRing(config);
  const port = config.control.mode === 'peer' || config.control.mode === 'etcd' ? 0 : config.control.witness.port;
  const at = (id: string) => hostPort(witnessAddress(config.nodes.find((n) => n.id === id)!) ?? '', port);
  return {
    watched: ring.watchedBy(self),
    witnesses: ring.witnessesOf(self).map(at),
    everyone: config.nodes.filter((n) => n.id !== self).map((n) => at(n.id)),
  };
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The address part of "addr:port" or "[v6]:port" as dgram reports senders. */
export function addressOf(from: string): string {
  const i = from.lastIndexOf(':');
  const host = i < 0 ? from : from.slice(0, i);
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
