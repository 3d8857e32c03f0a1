import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { EXAMPLE } from '../lan/lan-config';

type Doc = Record<string, unknown> & {
  nodes: Array<{ id: string }>;
  vips: Array<Record<string, unknown> & { name: string; address: string }>;
  checks?: Record<string, unknown>;
  topology?: Array<Record<string, unknown> & { nodes?: string[] }>;
};

/** A seed example as the LAN lab runs it, and how its names map onto the lab's. */
export interface SeedInLab {
  /** The document to start the lab cluster from (`labClusters().start({ nodes, base })`). */
  base: Record<string, unknown>;
  nodes: number;
  /** The example's node id → the lab's (mta1 → n1). */
  node: (id: string) => string;
  /** The example's VIP name → its address in the lab. */
  address: ReadonlyMap<string, string>;
}

/**
 * Maps a LAN seed example onto the lab, changing only what the lab dictates: its i-th node is the
 * lab's n<i> (h<i>, eth0, 198.18.0.1x), its k-th VIP is 198.18.0.(50+k) with the example's prefix
 * length (the lab is one /24, whose .200 and .201 are the client and the observer), every topology
 * block is the lab's segment on eth0 (its node lists kept), and every check is the lab responder's
 * TCP check (examples/lan's). Preferences, follow, quorum, timers, announce and the rest are the
 * example's.
 */
export function seedInLab(path: string): SeedInLab {
  const doc = YAML.parse(readFileSync(path, 'utf8')) as Doc;
  const lab = YAML.parse(readFileSync(EXAMPLE, 'utf8')) as { checks: { service: unknown } };
  const ids = new Map(doc.nodes.map((n, i) => [n.id, `n${i + 1}`]));
  const node = (id: string): string => {
    const mapped = ids.get(id);
    if (!mapped) throw new Error(`${path}: node "${id}" is not in its nodes`);
    return mapped;
  };
  const address = new Map<string, string>();
  doc.vips = doc.vips.map((v, k) => {
    const labAddress = `198.18.0.${50 + k}`;
    address.set(v.name, labAddress);
    const length = v.address.split('/')[1];
    const preferred = v.preferred as string | string[] | undefined;
    const eligible = v.eligible as { nodes?: string[] } | undefined;
    return {
      ...v,
      address: length ? `${labAddress}/${length}` : labAddress,
      ...(preferred === undefined
        ? {}
        : { preferred: typeof preferred === 'string' ? node(preferred) : preferred.map(node) }),
      ...(eligible?.nodes ? { eligible: { ...eligible, nodes: eligible.nodes.map(node) } } : {}),
    };
  });
  if (doc.topology)
    doc.topology = doc.topology.map(({ perNode: _perNode, ...t }) => ({
      ...t,
      cidr: '198.18.0.0/24',
      interface: 'eth0',
      ...(t.nodes ? { nodes: t.nodes.map(node) } : {}),
    }));
  if (doc.checks) doc.checks = Object.fromEntries(Object.keys(doc.checks).map((name) => [name, lab.checks.service]));
  return { base: doc, nodes: doc.nodes.length, node, address };
}
