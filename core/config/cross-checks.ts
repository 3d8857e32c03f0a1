import { canonicalIp, parsePrefix, type Prefix } from '../ip';
import { checkHetznerAddresses } from './hetzner-addresses';
import type { ConfigIssue } from './issues';
import type { Config, NodeSpec, Vip } from './model';
import { resolverOf } from './normalize';
import { successionOf } from './succession';
import { canCarry, inNodeSubnet, listedEligible, missingIdentity, onVipSegment, subnetBlock } from './topology';
import { checkTopology } from './topology-segments';

/** Checks that span fields: references, cycles, overlaps, identities, topology. */
export function crossCheck(config: Config): ConfigIssue[] {
  return [
    ...checkNodes(config),
    ...checkVips(config),
    ...checkFollowCycles(config.vips),
    ...checkOverlaps(config),
    ...checkDns(config),
    ...checkTimers(config),
    ...checkAnswerKey(config),
    ...checkHetznerAddresses(config),
    ...checkTopology(config),
  ];
}

/** The control plane's answer key (docs/security.md): well-formed, and where agents beyond one host need it. */
function checkAnswerKey(config: Config): ConfigIssue[] {
  const c = config.control;
  if (c.mode === 'peer' || c.mode === 'etcd') return [];
  if (c.answerKey !== undefined && !ED25519_RAW_BASE64.test(c.answerKey) && !c.answerKey.includes('BEGIN PUBLIC KEY'))
    return [
      {
        path: 'control.answerKey',
        message:
          'expected an Ed25519 public key: base64 of 32 bytes, or a PEM "BEGIN PUBLIC KEY" block (ipferry keygen --for control prints one)',
      },
    ];
  return [];
}

const ED25519_RAW_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

function checkNodes(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  config.nodes.forEach((n, i) => {
    const first = seen.get(n.id);
    if (first !== undefined)
      issues.push({ path: `nodes[${i}].id`, message: `"${n.id}" is already used by nodes[${first}]` });
    else seen.set(n.id, i);
    if (config.security.signing === 'ed25519') {
      if (!n.publicKey)
        issues.push({
          path: `nodes[${i}].publicKey`,
          message: 'required when security.signing is ed25519 (or set security.psk for hmac-sha256)',
        });
      else if (!ED25519_RAW_BASE64.test(n.publicKey) && !n.publicKey.includes('BEGIN PUBLIC KEY'))
        issues.push({
          path: `nodes[${i}].publicKey`,
          message: 'expected an Ed25519 public key: base64 of 32 bytes, or a PEM "BEGIN PUBLIC KEY" block',
        });
    }
    if (config.control.mode === 'peer' && n.addresses.length === 0 && !config.control.multicast)
      issues.push({
        path: `nodes[${i}].addresses`,
        message: "peer mode needs each node's address to send heartbeats to (or control.multicast)",
      });
    // A config that names no address at all (a decision-only sketch, a test) is left alone: the
    // agent refuses to start without one. Naming some and not others is a mistake worth saying.
    if (
      config.control.mode !== 'peer' &&
      config.control.mode !== 'etcd' &&
      config.control.liveness === 'witnessed' &&
      witnessAddress(n) === undefined &&
      config.nodes.some((m) => witnessAddress(m) !== undefined)
    )
      issues.push({
        path: `nodes[${i}].addresses`,
        message: `witnessed liveness needs each node's address, where its witnesses send heartbeats (UDP ${config.control.witness.port}); or set control.liveness: direct`,
      });
  });
  const s = config.security;
  if (s.signing === 'hmac-sha256' && !s.psk && !s.pskFile && !s.pskEnv)
    issues.push({ path: 'security.psk', message: 'hmac-sha256 signing needs psk, pskFile or pskEnv' });
  return issues;
}

function checkVips(config: Config): ConfigIssue[] {
  const nodeIds = new Set(config.nodes.map((n) => n.id));
  const nodeByAddress = new Map(
    config.nodes.flatMap((n) => n.addresses.map((a) => [canonicalIp(a) ?? a, n.id] as const)),
  );
  return config.vips.flatMap((v, i) => checkVip(config, v, i, nodeIds, nodeByAddress));
}

function checkVip(
  config: Config,
  v: Vip,
  i: number,
  nodeIds: ReadonlySet<string>,
  nodeByAddress: ReadonlyMap<string, string>,
): ConfigIssue[] {
  const at = (field: string): string => `vips[${i}].${field}`;
  const issues: ConfigIssue[] = [];
  const need = (ok: unknown, field: string, what: string): void => {
    if (!ok) issues.push({ path: at(field), message: `required for kind ${v.kind} (${what})` });
  };
  if (v.kind === 'aws-route53') {
    need(v.aws?.hostedZoneId, 'aws.hostedZoneId', 'the zone holding the record');
    need(v.aws?.recordName, 'aws.recordName', 'the record that points at the owner');
  } else need(v.ip, 'address', 'the address to keep alive');
  if (v.kind === 'aws-elastic-ip') {
    need(v.aws?.allocationId, 'aws.allocationId', 'the Elastic IP allocation');
    if (v.ip && v.ip.family !== 4) issues.push({ path: at('address'), message: 'an Elastic IP is an IPv4 address' });
  }
  if (v.kind === 'aws-overlay-route')
    need(v.aws?.routeTables?.length, 'aws.routeTables', 'the route tables to point at the owner');

  const order = successionOf(v);
  const orderAt = (j: number): string => (order.length > 1 ? `preferred[${j}]` : 'preferred');
  order.forEach((id, j) => {
    if (!nodeIds.has(id)) issues.push({ path: at(orderAt(j)), message: `node "${id}" is not defined in nodes` });
    else if (order.indexOf(id) !== j)
      issues.push({
        path: at(orderAt(j)),
        message: `node "${id}" is already listed at preferred[${order.indexOf(id)}]`,
      });
    else if (v.eligible?.nodes && !v.eligible.nodes.includes(id))
      issues.push({ path: at(orderAt(j)), message: `node "${id}" is not among eligible.nodes` });
  });
  if (v.preferred !== undefined && v.follow !== undefined)
    issues.push({
      path: at('preferred'),
      message: `a follower sits on its leader's node; set the preference on "${v.follow}" instead`,
    });
  v.eligible?.nodes?.forEach((id, j) => {
    if (!nodeIds.has(id))
      issues.push({ path: at(`eligible.nodes[${j}]`), message: `node "${id}" is not defined in nodes` });
  });
  // A keepalived-layout hook's $4 per node: a typo would silently give that node keepalived's default.
  for (const hook of ['up', 'down', 'notify'] as const) {
    const spec = v.hooks?.[hook];
    if (typeof spec !== 'object' || Array.isArray(spec)) continue;
    for (const id of Object.keys(spec.priorities ?? {}))
      if (!nodeIds.has(id))
        issues.push({ path: at(`hooks.${hook}.priorities.${id}`), message: `node "${id}" is not defined in nodes` });
  }
  v.checks.forEach((c, j) => {
    if (!(c in config.checks))
      issues.push({ path: at(`checks[${j}]`), message: `check "${c}" is not defined in checks` });
  });
  const owner = v.ip ? nodeByAddress.get(v.ip.text) : undefined;
  if (owner !== undefined)
    issues.push({
      path: at('address'),
      message: `${v.ip!.text} is node "${owner}"'s own address; a VIP must never be a node's main address (it would be unplumbed)`,
    });
  if (issues.length === 0) issues.push(...checkPlacement(config, v, at));
  return issues;
}

/** Whether any node can ever carry the VIP, and if not, the precise reason. */
function checkPlacement(config: Config, v: Vip, at: (f: string) => string): ConfigIssue[] {
  const listed = config.nodes.filter((n) => listedEligible(v, n));
  if (listed.length === 0)
    return [{ path: at('eligible'), message: 'no node in nodes matches these eligibility lists' }];
  if (listed.some((n) => canCarry(v, n))) return [];
  if (!listed.some((n) => onVipSegment(v, n))) return []; // outside every segment: checkTopology says so
  const withIdentity = listed.filter((n) => missingIdentity(v, n).length === 0);
  if (withIdentity.length === 0) {
    const missing = [...new Set(listed.flatMap((n) => missingIdentity(v, n)))].join(' and ');
    return [
      {
        path: at('kind'),
        message: `${v.kind} needs ${missing} on at least one eligible node; none of ${names(listed)} has it`,
      },
    ];
  }
  // Identity is there, so the subnet rule is what excludes them all.
  const subnets = withIdentity
    .filter((n) => !inNodeSubnet(v, n))
    .map((n) => `${n.id}: ${subnetBlock(n, v.ip?.family ?? 4)?.text}`);
  return [
    {
      path: at('address'),
      message: `${v.ip?.text} is outside the subnet of every eligible node (${subnets.join(', ')}); a secondary private IP moves only within one subnet`,
    },
  ];
}

function names(nodes: readonly { id: string }[]): string {
  return nodes.map((n) => n.id).join(', ');
}

function checkFollowCycles(vips: readonly Vip[]): ConfigIssue[] {
  const byName = new Map(vips.map((v, i) => [v.name, { v, i }]));
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  for (const [i, start] of vips.entries()) {
    const chain = [start.name];
    let cur = start.follow;
    while (cur !== undefined) {
      if (cur === start.name) {
        const cycle = [...chain, cur].join(' → ');
        const key = [...chain].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          issues.push({
            path: `vips[${i}].follow`,
            message: chain.length === 1 ? 'a VIP cannot follow itself' : `follow cycle ${cycle}`,
          });
        }
        break;
      }
      if (chain.includes(cur)) break; // a cycle further down, reported from its own start
      chain.push(cur);
      cur = byName.get(cur)?.v.follow;
    }
  }
  return issues;
}

/**
 * Two VIPs must never claim the same address. Routed kinds (overlay routes) claim their whole
 * prefix; the others claim one host address (their prefix length is only the interface netmask).
 * Sorted sweep, so 10,000 VIPs validate in milliseconds.
 */
function checkOverlaps(config: Config): ConfigIssue[] {
  const ranges: Array<{ i: number; family: number; start: bigint; end: bigint; text: string }> = [];
  config.vips.forEach((v, i) => {
    if (!v.ip) return;
    const p = parsePrefix(
      `${v.ip.text}/${v.kind === 'aws-overlay-route' ? v.ip.prefixLength : v.ip.family === 4 ? 32 : 128}`,
    )!;
    const [start, end] = rangeOf(p);
    ranges.push({
      i,
      family: p.family,
      start,
      end,
      text: v.kind === 'aws-overlay-route' ? `${v.ip.text}/${v.ip.prefixLength}` : v.ip.text,
    });
  });
  ranges.sort((a, b) => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : a.i - b.i));
  const issues: ConfigIssue[] = [];
  let widest: (typeof ranges)[number] | undefined;
  for (const r of ranges) {
    if (widest && widest.family === r.family && r.start <= widest.end) {
      const same = r.start === widest.start && r.end === widest.end;
      const [first, second] = widest.i < r.i ? [widest, r] : [r, widest];
      issues.push({
        path: `vips[${second.i}].address`,
        message: same
          ? `${second.text} is already used by vips[${first.i}]`
          : `${second.text} overlaps ${first.text} of vips[${first.i}]`,
      });
    }
    if (!widest || widest.family !== r.family || r.end > widest.end) widest = r;
  }
  return issues;
}

function rangeOf(p: Prefix): [bigint, bigint] {
  const hostBits = BigInt((p.family === 4 ? 32 : 128) - p.length);
  const start = (p.address >> hostBits) << hostBits;
  return [start, start + (1n << hostBits) - 1n];
}

function checkDns(config: Config): ConfigIssue[] {
  const find = resolverOf(config.vips);
  return config.dns.flatMap((d, i) =>
    d.vips.flatMap((ref, j) =>
      find(ref) ? [] : [{ path: `dns[${i}].vips[${j}]`, message: `VIP "${ref}" is not defined in vips` }],
    ),
  );
}

function checkTimers(config: Config): ConfigIssue[] {
  const t = config.timers;
  const issues: ConfigIssue[] = [];
  if (t.deadAfter <= t.heartbeatInterval)
    issues.push({
      path: 'timers.deadAfter',
      message: `must be longer than heartbeatInterval (${t.heartbeatInterval}ms); 3 intervals is usual`,
    });
  return issues;
}

/** Where a node's witnesses send it heartbeats: its first address, else its EC2 private address. */
export function witnessAddress(node: NodeSpec): string | undefined {
  return node.addresses[0] ?? node.aws?.privateIp;
}
