import { z } from 'zod';
import { identifier, prefix } from './primitives';

/**
 * One LAN segment: the block of addresses it carries and the interface it reaches each node on
 * (Momentum DuraVIP's `Topology "10.1.1.0/24" { interface = "eth1" }`, seed 004).
 *
 * One cluster-wide list, with per-node exceptions inside the entry, rather than a list per node:
 * the hosts of a cluster are mostly alike (DuraVIP recommends identical configs), so the common
 * case is one line per segment; a host whose NIC is named differently, or a segment only some
 * hosts are on, is said where the segment is, and the whole network reads as one table.
 */
export const TopologyEntrySchema = z.strictObject({
  /** The segment's network, e.g. "198.18.10.0/24": a `lan` VIP inside it is plumbed on `interface`. */
  cidr: prefix,
  /** The interface this segment is on, on every node of it (unless `perNode` names another). */
  interface: z.string().min(1),
  /** The nodes on this segment (default: every node). A `lan` VIP in it moves only among them. */
  nodes: z.array(identifier).min(1).optional(),
  /** Nodes where the segment is on another interface, e.g. `{ mta3: bond0 }`. */
  perNode: z.record(identifier, z.string().min(1)).optional(),
});

/**
 * The segments of the cluster. When given, it is the whole LAN: every `lan` VIP must fall in a
 * segment of a node that may carry it, and moves only among the nodes of its segment.
 */
export const TopologySchema = z.array(TopologyEntrySchema).min(1);

export type TopologyEntry = z.output<typeof TopologyEntrySchema>;
