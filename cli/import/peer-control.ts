import type { Notes } from './report';

const PORT = 7401;
// Administratively scoped, so ipferry heartbeats never land in keepalived's or ucarp's 224.0.0.18.
const FALLBACK_MULTICAST = '239.255.0.18';

/**
 * Peer mode for a LAN pair or ring. Two nodes run without quorum like VRRP and CARP; three or more
 * get ipferry's majority rule (VRRP had none). Heartbeats go to the nodes' addresses, or to a
 * multicast group when the files named none (multicast VRRP).
 */
export function peerControl(
  nodes: Record<string, unknown>[],
  peersNamed: string[],
  notes: Notes,
): Record<string, unknown> {
  const addresses = nodes.flatMap((n) => (n.addresses as string[]).slice(0, 1));
  const control: Record<string, unknown> = {
    mode: 'peer',
    port: PORT,
    quorum: nodes.length <= 2 ? 'none' : 'majority',
  };
  if (nodes.length > 2)
    notes.warn(
      'control',
      'quorum: majority',
      'three or more nodes: ipferry acts only while it sees a majority, which VRRP/CARP never did; set quorum: none for the old behaviour',
    );
  if (addresses.length === nodes.length) {
    control.peers = addresses.map((a) => (a.includes(':') ? `[${a}]:${PORT}` : `${a}:${PORT}`));
    for (const p of new Set(peersNamed))
      if (!addresses.includes(p))
        notes.warn(
          'unicast_peer',
          p,
          'this peer is not among the imported hosts: import its file too, or it takes no part',
        );
  } else {
    control.multicast = FALLBACK_MULTICAST;
    notes.warn(
      'nodes',
      'node addresses',
      `not every host names its own address (unicast_src_ip / --srcip): heartbeats go to multicast ${FALLBACK_MULTICAST}; add nodes[].addresses for unicast`,
    );
  }
  return control;
}
