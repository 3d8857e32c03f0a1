import { canonicalIp, parsePrefix } from '../ip';
import { etcdLeaseSeconds } from './etcd';
import type { ConfigIssue } from './issues';
import type { Config, ControlConfig, Timers, Vip } from './model';
import type { ParsedConfig } from './schema';
import { interfacesByNode, segmentsOf } from './topology-segments';

/**
 * Timer defaults: agents that hear each other (peer mode, witnessed liveness) beat five times a
 * second, over UDP that costs nothing per packet; agents that beat to a control plane (direct
 * liveness) once a second, each beat a billed request.
 */
export function resolveTimers(control: ParsedConfig['control'], t: ParsedConfig['timers']): Timers {
  const peer = control.mode === 'peer';
  const agentToAgent = peer || ('liveness' in control && control.liveness === 'witnessed');
  const heartbeatInterval = t.heartbeatInterval ?? (agentToAgent ? 200 : 1000);
  return {
    heartbeatInterval,
    deadAfter: t.deadAfter ?? 3 * heartbeatInterval,
    preemptDelay: t.preemptDelay ?? (peer ? 10_000 : 30_000),
    minHold: t.minHold ?? (peer ? 30_000 : 60_000),
    flapBudget: t.flapBudget ?? { moves: 6, window: 600_000 },
    rebalanceCap: t.rebalanceCap ?? 2,
    claimHoldoff: t.claimHoldoff ?? Math.max(5, Math.round(heartbeatInterval / 10)),
  };
}

/** A VIP's name: given, else its address, else (Route 53) its record name. */
function vipName(v: ParsedConfig['vips'][number]): string | undefined {
  if (v.name) return v.name;
  if (v.address) return parsePrefix(v.address)?.text;
  return v.aws?.recordName?.replace(/\.$/, '');
}

/**
 * Turns the parsed document into the model: names and follow targets resolved, addresses parsed,
 * defaults that depend on other fields applied. Problems found on the way are returned as issues.
 */
export function normalize(parsed: ParsedConfig): { config: Config; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const byKey = new Map<string, string>();
  const segments = parsed.topology ? segmentsOf(parsed.topology) : undefined;
  const vips: Vip[] = parsed.vips.map((v, i) => {
    // A missing name means a missing address or record name: the kind checks report that.
    const name = vipName(v);
    const p = v.address ? parsePrefix(v.address) : undefined;
    const { preferred, ...fields } = v;
    const order = preferred === undefined ? [] : typeof preferred === 'string' ? [preferred] : preferred;
    const vip: Vip = {
      ...fields,
      ...(order[0] !== undefined ? { preferred: order[0] } : {}),
      ...(order.length > 1 ? { successors: order.slice(1) } : {}),
      name: name ?? `#${i}`,
      follow: undefined,
      onControlLoss: v.onControlLoss ?? (v.kind === 'lan' ? 'release' : 'hold'),
      ...(p ? { ip: { text: p.text, family: p.family, prefixLength: p.length } } : {}),
      ...(segments && p && v.kind === 'lan'
        ? { interfaceByNode: interfacesByNode(segments, { family: p.family, value: p.address }, parsed.nodes) }
        : {}),
    };
    if (name) {
      const taken = byKey.get(name);
      if (taken !== undefined)
        issues.push({ path: `vips[${i}].name`, message: `"${name}" is already used by ${taken}` });
      else byKey.set(name, `vips[${i}]`);
    }
    return vip;
  });
  const nameOf = resolverOf(vips);
  parsed.vips.forEach((v, i) => {
    if (v.follow === undefined) return;
    const leader = nameOf(v.follow);
    if (!leader) issues.push({ path: `vips[${i}].follow`, message: `VIP "${v.follow}" is not defined in vips` });
    else vips[i]!.follow = leader;
  });
  return {
    config: {
      cluster: parsed.cluster,
      timers: resolveTimers(parsed.control, parsed.timers),
      nodes: parsed.nodes,
      checks: parsed.checks,
      vips,
      dns: parsed.dns,
      ...(parsed.topology ? { topology: parsed.topology } : {}),
      control: resolveControl(parsed),
      security: {
        ...parsed.security,
        signing: resolveSigning(parsed),
        clockSkew: parsed.security.clockSkew ?? defaultClockSkew(resolveTimers(parsed.control, parsed.timers)),
      },
    },
    issues,
  };
}

/** Finds a VIP by name or by address (with or without prefix), as Momentum's follow does. */
export function resolverOf(vips: readonly Vip[]): (ref: string) => string | undefined {
  const index = new Map<string, string>();
  for (const v of vips) {
    index.set(v.name, v.name);
    if (v.ip && !index.has(v.ip.text)) index.set(v.ip.text, v.name);
  }
  return (ref) => index.get(ref) ?? index.get(canonicalIp(ref.split('/')[0] ?? '') ?? '');
}

function resolveControl(parsed: ParsedConfig): ControlConfig {
  const c = parsed.control;
  if (c.mode === 'etcd') {
    const deadAfter = resolveTimers(c, parsed.timers).deadAfter;
    return { ...c, lease: { ttlSeconds: etcdLeaseSeconds(c.lease.ttl, deadAfter) } };
  }
  // A report costs a Lambda invocation and a DynamoDB write in AWS, nothing locally; and a decision
  // no report started (a drain, a preemption) reaches the agents at the next keepalive of any node.
  if (c.mode !== 'peer')
    return { ...c, witness: { ...c.witness, keepalive: c.witness.keepalive ?? (c.mode === 'aws' ? 60_000 : 5_000) } };
  const peers = c.peers ?? parsed.nodes.flatMap((n) => (n.addresses[0] ? [hostPortOf(n.addresses[0], c.port)] : []));
  return { ...c, peers, quorum: c.quorum ?? (parsed.nodes.length >= 3 ? 'majority' : 'none') };
}

function hostPortOf(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * How far a heartbeat's sentAt may be from the receiver's clock. It is also how long a captured
 * heartbeat stays replayable and how far ahead a forged one may claim to be, so it is sized to the
 * timers, not to a minute (60 s was twenty times deadAfter: replays kept a dead node alive for 45 s).
 * A heartbeat older than a few deadAfter says nothing about liveness anyway. The 2 s floor is for
 * clocks: NTP keeps hosts within milliseconds, a host that lost it drifts seconds a day at worst.
 * The 30 s ceiling bounds it for slow timers.
 */
export function defaultClockSkew(timers: Timers): number {
  return Math.min(30_000, Math.max(2_000, 4 * timers.deadAfter));
}

function resolveSigning(parsed: ParsedConfig): 'ed25519' | 'hmac-sha256' {
  const s = parsed.security;
  if (s.signing) return s.signing;
  if (s.psk || s.pskFile || s.pskEnv) return 'hmac-sha256';
  return 'ed25519';
}
