import { HOST_BOUND_KINDS, interfaceFor, type Config, type NodeSpec, type Vip } from '../../core/config';
import type { HostAddress } from '../../core/ports';

/** A VIP this agent plumbs: one whose kind the OS must carry, with the address it binds. */
export interface ManagedVip {
  name: string;
  vip: Vip;
  addr: HostAddress;
}

/**
 * Every host-bound VIP of the cluster, not only those this node may own: the clean slate and the
 * unbind side must see a VIP that is on this host but not this node's, whoever put it there.
 * A VIP with no interface here (neither its own nor the node's) cannot be plumbed; it is
 * returned in `skipped` with the reason, for the log.
 */
export function managedVips(
  config: Config,
  node: NodeSpec,
): { managed: ManagedVip[]; skipped: Array<{ vip: string; reason: string }> } {
  const managed: ManagedVip[] = [];
  const skipped: Array<{ vip: string; reason: string }> = [];
  for (const vip of config.vips) {
    if (!HOST_BOUND_KINDS.has(vip.kind)) continue;
    if (!vip.ip) {
      skipped.push({ vip: vip.name, reason: `kind ${vip.kind} needs an address to plumb` });
      continue;
    }
    // The VIP's own interface, else its topology segment's on this node, else the node's.
    const iface = interfaceFor(vip, node);
    if (!iface) {
      skipped.push({
        vip: vip.name,
        reason: `no interface: set vips[].interface, a topology entry for its network, or nodes[${node.id}].interface`,
      });
      continue;
    }
    managed.push({
      name: vip.name,
      vip,
      addr: { address: vip.ip.text, prefixLength: vip.ip.prefixLength, family: vip.ip.family, interface: iface },
    });
  }
  return { managed, skipped };
}

/** The interfaces to list addresses on, each once. */
export function interfacesOf(managed: readonly ManagedVip[]): string[] {
  return [...new Set(managed.map((m) => m.addr.interface))];
}
