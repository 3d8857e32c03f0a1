import { formatIp, parsePrefix, prefixContains, type Family, type Prefix } from '../ip';
import type { ConfigIssue } from './issues';
import type { Config, NodeSpec, Vip } from './model';
import { listedEligible } from './topology';
import type { TopologyEntry } from './topology-schema';

/** A topology entry with its block parsed once. */
export interface Segment {
  index: number;
  entry: TopologyEntry;
  prefix: Prefix;
}

type Address = { family: Family; value: bigint };

/** The entries whose block parses (the schema has refused the others). */
export function segmentsOf(topology: readonly TopologyEntry[]): Segment[] {
  return topology.flatMap((entry, index) => {
    const prefix = parsePrefix(entry.cidr);
    return prefix ? [{ index, entry, prefix }] : [];
  });
}

function reaches(s: Segment, node: string): boolean {
  return !s.entry.nodes || s.entry.nodes.includes(node);
}

function interfaceOn(s: Segment, node: string): string {
  return s.entry.perNode?.[node] ?? s.entry.interface;
}

/**
 * The most specific segments of this node holding the address. As in a routing table, a longer
 * prefix wins (198.18.10.0/24 carves its block out of 198.18.0.0/16); more than one left means
 * two entries of the same block, which is ambiguous when they name different interfaces.
 */
export function segmentsHolding(segments: readonly Segment[], address: Address, node: string): Segment[] {
  let best: Segment[] = [];
  for (const s of segments) {
    if (!reaches(s, node) || !prefixContains(s.prefix, address)) continue;
    const top = best[0]?.prefix.length ?? -1;
    if (s.prefix.length > top) best = [s];
    else if (s.prefix.length === top) best.push(s);
  }
  return best;
}

/**
 * For a `lan` VIP at this address: each node with a segment holding it, and the interface it is
 * plumbed on there. Nodes left out have no segment holding it, so they can never carry it.
 */
export function interfacesByNode(
  segments: readonly Segment[],
  address: Address,
  nodes: readonly Pick<NodeSpec, 'id'>[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const best = segmentsHolding(segments, address, n.id)[0];
    if (best) out[n.id] = interfaceOn(best, n.id);
  }
  return out;
}

/** The topology's own mistakes, then each `lan` VIP checked against the segments of its nodes. */
export function checkTopology(config: Config): ConfigIssue[] {
  if (!config.topology) return [];
  const segments = segmentsOf(config.topology);
  const nodeIds = new Set(config.nodes.map((n) => n.id));
  return [
    ...segments.flatMap((s) => checkEntry(s, nodeIds)),
    ...config.vips.flatMap((v, i) => (v.kind === 'lan' && v.ip ? checkVip(config, segments, v, i) : [])),
    ...config.vips.flatMap((v, i) => checkFollow(config, v, i)),
  ];
}

/** A follower shares its leader's node, so some node must be on both their segments. */
function checkFollow(config: Config, v: Vip, i: number): ConfigIssue[] {
  const leader = v.follow === undefined ? undefined : config.vips.find((x) => x.name === v.follow);
  if (!leader?.interfaceByNode || !v.interfaceByNode) return [];
  const mine = Object.keys(v.interfaceByNode);
  const theirs = Object.keys(leader.interfaceByNode);
  if (mine.length === 0 || theirs.length === 0 || mine.some((n) => theirs.includes(n))) return [];
  return [
    {
      path: `vips[${i}].follow`,
      message: `"${v.name}" follows "${leader.name}", but no node is on both their segments (${mine.join(', ')} for ${v.ip!.text}; ${theirs.join(', ')} for ${leader.ip!.text})`,
    },
  ];
}

function checkEntry(s: Segment, nodeIds: ReadonlySet<string>): ConfigIssue[] {
  const at = `topology[${s.index}]`;
  const issues: ConfigIssue[] = [];
  const bits = BigInt((s.prefix.family === 4 ? 32 : 128) - s.prefix.length);
  const network = (s.prefix.address >> bits) << bits;
  if (network !== s.prefix.address)
    issues.push({
      path: `${at}.cidr`,
      message: `${s.entry.cidr} is not a network address (host bits set); write ${formatIp(s.prefix.family, network)}/${s.prefix.length}`,
    });
  s.entry.nodes?.forEach((id, j) => {
    if (!nodeIds.has(id)) issues.push({ path: `${at}.nodes[${j}]`, message: `node "${id}" is not defined in nodes` });
  });
  for (const id of Object.keys(s.entry.perNode ?? {})) {
    if (!nodeIds.has(id)) issues.push({ path: `${at}.perNode.${id}`, message: `node "${id}" is not defined in nodes` });
    else if (!reaches(s, id))
      issues.push({
        path: `${at}.perNode.${id}`,
        message: `node "${id}" is not on this segment (add it to topology[${s.index}].nodes)`,
      });
  }
  return issues;
}

function checkVip(config: Config, segments: readonly Segment[], v: Vip, i: number): ConfigIssue[] {
  const address = parsePrefix(v.ip!.text)!;
  const ip = { family: address.family, value: address.address };
  const may = config.nodes.filter((n) => listedEligible(v, n));
  const path = `vips[${i}].address`;
  if (may.length > 0 && may.every((n) => segmentsHolding(segments, ip, n.id).length === 0))
    return [
      {
        path,
        message: `lan VIP "${v.name}" (${v.ip!.text}) is outside every segment of the nodes that may carry it (${segmentsText(segments, may)}); add its network to topology or correct the address`,
      },
    ];
  // A VIP that names its interface is not ambiguous about it.
  if (v.interface) return [];
  const ambiguous = may.flatMap((n) => {
    const best = segmentsHolding(segments, ip, n.id);
    return new Set(best.map((s) => interfaceOn(s, n.id))).size > 1 ? [{ node: n.id, best }] : [];
  });
  if (ambiguous.length === 0) return [];
  const { node, best } = ambiguous[0]!;
  const entries = best.map((s) => `topology[${s.index}] (${s.entry.cidr} on ${interfaceOn(s, node)})`).join(' and ');
  const nodes = ambiguous.map((a) => a.node).join(', ');
  return [
    {
      path,
      message: `lan VIP "${v.name}" (${v.ip!.text}) is matched by ${entries} on ${nodes}: which interface is ambiguous; remove one entry or set vips[${i}].interface`,
    },
  ];
}

/** "mta1, mta2: 198.18.10.0/24, 198.18.20.0/24; mta3: no segment": nodes with equal segments grouped. */
function segmentsText(segments: readonly Segment[], nodes: readonly NodeSpec[]): string {
  const groups = new Map<string, string[]>();
  for (const n of nodes) {
    const mine = segments.filter((s) => reaches(s, n.id)).map((s) => s.entry.cidr);
    const key = mine.length > 0 ? mine.join(', ') : 'no segment';
    groups.set(key, [...(groups.get(key) ?? []), n.id]);
  }
  return [...groups].map(([segs, ids]) => `${ids.join(', ')}: ${segs}`).join('; ');
}
