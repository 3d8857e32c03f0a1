import type { Config, NodeSpec, Vip } from '../config/model';
import { successionOf } from '../config/succession';
import { canCarry } from '../config/topology';
import { parsePrefix, prefixContains, type Prefix } from '../ip';

/**
 * A config compiled for fast, repeated decisions: VIPs grouped by follow, and grouped into
 * eligibility classes (VIPs that can sit on exactly the same nodes and need the same checks), so
 * a decision over 10,000 VIPs computes candidates per class, not per VIP.
 */
export interface Model {
  config: Config;
  nodes: NodeSpec[];
  nodeIndex: Map<string, number>;
  vips: Vip[];
  vipIndex: Map<string, number>;
  /** Per VIP: its eligibility class. */
  classOf: Int32Array;
  classes: EligibilityClass[];
  /** Follow groups in config order of their leaders: [leader, ...followers], followers after whom they follow. */
  groups: number[][];
  /** Per VIP: its preferred node index (the first of its order of succession), or -1. */
  preferredOf: Int32Array;
  /** Per VIP: its order of succession as node indices, best first (empty when it has none). */
  orderOf: Int32Array[];
  /** Per VIP and per node: a cheap hash for deterministic, well-spread tie-breaks. */
  vipHash: Uint32Array;
  nodeHash: Uint32Array;
}

export interface EligibilityClass {
  /** Nodes that can ever carry these VIPs (topology and provider identity), ascending. */
  staticNodes: number[];
  checks: string[];
}

const cache = new WeakMap<Config, Model>();

/** Compiles once per config object; decide() is then called many times with the same config. */
export function compile(config: Config): Model {
  const hit = cache.get(config);
  if (hit) return hit;
  const model = build(config);
  cache.set(config, model);
  return model;
}

function build(config: Config): Model {
  const nodes = config.nodes;
  const nodeIndex = new Map(nodes.map((n, i) => [n.id, i]));
  const vips = config.vips;
  const vipIndex = new Map(vips.map((v, i) => [v.name, i]));

  const classKeys = new Map<string, number>();
  const classes: EligibilityClass[] = [];
  const classOf = new Int32Array(vips.length);
  const staticBySignature = new Map<string, number[]>();
  const subnets = [...new Set(nodes.flatMap((n) => (n.aws?.subnetCidr ? [n.aws.subnetCidr] : [])))].map((text) => ({
    text,
    prefix: parsePrefix(text)!,
  }));
  vips.forEach((v, i) => {
    const sig = staticSignature(v, subnets);
    let staticNodes = staticBySignature.get(sig);
    if (!staticNodes) {
      staticNodes = nodes.flatMap((n, j) => (canCarry(v, n) ? [j] : []));
      staticBySignature.set(sig, staticNodes);
    }
    const checks = [...v.checks].sort();
    const key = `${staticNodes.join(',')}|${checks.join(',')}`;
    let c = classKeys.get(key);
    if (c === undefined) {
      c = classes.length;
      classes.push({ staticNodes, checks });
      classKeys.set(key, c);
    }
    classOf[i] = c;
  });

  return {
    config,
    nodes,
    nodeIndex,
    vips,
    vipIndex,
    classOf,
    classes,
    groups: followGroups(vips, vipIndex),
    preferredOf: Int32Array.from(vips, (v) => (v.preferred === undefined ? -1 : (nodeIndex.get(v.preferred) ?? -1))),
    orderOf: vips.map((v) => Int32Array.from(successionOf(v).flatMap((id) => nodeIndex.get(id) ?? []))),
    vipHash: Uint32Array.from(vips, (v) => fnv1a(v.name)),
    nodeHash: Uint32Array.from(nodes, (n) => fnv1a(n.id)),
  };
}

/**
 * Everything canCarry() looks at for this VIP. VIPs with equal signatures can sit on the same
 * nodes, so the node scan runs once per signature. For secondary IPs the subnet that contains the
 * address is part of it (the address itself is not).
 */
function staticSignature(v: Vip, subnets: ReadonlyArray<{ text: string; prefix: Prefix }>): string {
  const ip = v.kind === 'aws-secondary-ip' && v.ip ? parsePrefix(v.ip.text) : undefined;
  const subnet = ip
    ? subnets
        .filter((s) => prefixContains(s.prefix, { family: ip.family, value: ip.address }))
        .map((s) => s.text)
        .join(',')
    : '';
  return JSON.stringify([
    v.kind,
    v.eligible ?? null,
    v.interface ?? null,
    v.hetzner?.networkId ?? null,
    subnet,
    v.interfaceByNode ?? null,
  ]);
}

function followGroups(vips: readonly Vip[], vipIndex: Map<string, number>): number[][] {
  const followers = new Map<number, number[]>();
  const roots: number[] = [];
  vips.forEach((v, i) => {
    const leader = v.follow === undefined ? undefined : vipIndex.get(v.follow);
    if (leader === undefined) roots.push(i);
    else followers.set(leader, [...(followers.get(leader) ?? []), i]);
  });
  return roots.map((root) => {
    const group = [root];
    for (let k = 0; k < group.length; k++) group.push(...(followers.get(group[k]!) ?? []));
    return group;
  });
}

/** FNV-1a, 32 bits: stable across runs and machines, which is all a tie-break needs. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes a VIP hash with a node hash (rendezvous hashing): each VIP ranks nodes in its own order. */
export function rank(vipHash: number, nodeHash: number): number {
  let x = (vipHash ^ nodeHash) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Where `node` stands in the VIP's order of succession: 0 is the best; every unlisted node ranks last, alike. */
export function standing(model: Model, vip: number, node: number): number {
  const order = model.orderOf[vip]!;
  const i = order.indexOf(node);
  return i < 0 ? order.length : i;
}

/** The best-placed listed node among `set` (ascending node indices), or -1 when no listed node is in it. */
export function firstListed(model: Model, vip: number, set: readonly number[]): number {
  for (const n of model.orderOf[vip]!) if (set.includes(n)) return n;
  return -1;
}
