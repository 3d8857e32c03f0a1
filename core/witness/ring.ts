import type { Config, NodeSpec } from '../config/model';

/**
 * Who watches whom under witnessed liveness. Every agent computes the same ring from the config
 * alone (a pure sort, like MetalLB's election): nodes ordered by zone, then by a hash of the
 * cluster and node name. A node watches the `k` nodes after it and is watched by the `k` before
 * it, so each node sends heartbeats to k others and hears k others: traffic grows linearly with
 * the cluster, not with its square (SWIM's point). Sorting by zone first keeps neighbours in one
 * availability zone except at the zone boundaries, which is where inter-zone transfer is billed.
 */
export interface WitnessRing {
  /** Node ids in ring order. */
  readonly order: readonly string[];
  /** How many nodes each node watches (and is watched by): min(witness.watchers, nodes − 1). */
  readonly k: number;
  /** The nodes `node` watches: the k after it. */
  watchedBy(node: string): readonly string[];
  /** The nodes that watch `node` (its witnesses, whom it sends heartbeats to): the k before it. */
  witnessesOf(node: string): readonly string[];
  /** Whether `witness` watches `node`. */
  watches(witness: string, node: string): boolean;
}

export function witnessRing(config: Pick<Config, 'cluster' | 'nodes' | 'control'>): WitnessRing {
  const wanted = config.control.mode === 'peer' || config.control.mode === 'etcd' ? 0 : config.control.witness.watchers;
  const n = config.nodes.length;
  const k = Math.max(0, Math.min(wanted, n - 1));
  const order = [...config.nodes]
    .map((node) => ({ id: node.id, zone: zoneOf(node), hash: fnv1a(`${config.cluster}/${node.id}`) }))
    .sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : a.hash - b.hash || (a.id < b.id ? -1 : 1)))
    .map((x) => x.id);
  const position = new Map(order.map((id, i) => [id, i]));
  const at = (i: number): string => order[((i % n) + n) % n]!;
  const watched = new Map(order.map((id, i) => [id, Array.from({ length: k }, (_, j) => at(i + 1 + j))]));
  const witnesses = new Map(order.map((id, i) => [id, Array.from({ length: k }, (_, j) => at(i - 1 - j))]));
  return {
    order,
    k,
    watchedBy: (node) => watched.get(node) ?? [],
    witnessesOf: (node) => witnesses.get(node) ?? [],
    watches(witness, node) {
      const w = position.get(witness);
      const x = position.get(node);
      if (w === undefined || x === undefined || w === x) return false;
      const ahead = (((x - w) % n) + n) % n;
      return ahead >= 1 && ahead <= k;
    },
  };
}

/** The failure domain a node sits in, when the config says: EC2 availability zone or Hetzner location. */
export function zoneOf(node: NodeSpec): string {
  return node.aws?.az ?? node.hetzner?.location ?? '';
}

/** FNV-1a, 32 bits: stable across processes and versions, which is all the ring needs of a hash. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
