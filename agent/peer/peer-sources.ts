import type { Config } from '../../core/config';
import { splitHostPort } from '../../core/config/primitives';
import { canonicalIp } from '../../core/ip';

/** Every address a peer datagram may come from: the hosts of control.peers and the nodes' addresses. */
export function peerSources(config: Config): Set<string> {
  const control = config.control;
  const hosts = [
    ...(control.mode === 'peer' ? control.peers.flatMap((p) => splitHostPort(p)?.host ?? []) : []),
    ...config.nodes.flatMap((n) => [...n.addresses, ...(n.aws?.privateIp ? [n.aws.privateIp] : [])]),
  ];
  return new Set(hosts.map((h) => canonicalIp(h) ?? h));
}

/** The address part of "addr:port" or "[v6]:port" as dgram reports senders, canonical, IPv4-mapped IPv6 unwrapped. */
export function addressOf(from: string): string {
  const i = from.lastIndexOf(':');
  let host = i < 0 ? from : from.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host.toLowerCase().startsWith('::ffff:') && host.includes('.')) host = host.slice(7);
  return canonicalIp(host) ?? host;
}
