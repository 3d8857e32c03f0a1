import { parseIp } from '../../core/ip';
import type { HostFile, HostInstance } from './keepalived-host';
import { freshPsk, identifierOf, ms, type ImportResult, type Notes, pskFrom } from './report';
import { linkChecks, scriptChecks } from './keepalived-checks';
import { peerControl } from './peer-control';
import { shellWords } from './shell-words';
import { successionFrom, successionNote } from './succession';

interface Member {
  host: string;
  inst: HostInstance;
}

/** Instances across hosts that are one VRRP router: same virtual_router_id and address family. */
function groupInstances(hosts: HostFile[]): Map<string, Member[]> {
  const groups = new Map<string, Member[]>();
  for (const h of hosts) {
    for (const inst of h.instances) {
      const family = inst.addresses[0]?.address.includes(':') ? 'v6' : 'v4';
      const key =
        inst.routerId !== undefined && Number.isFinite(inst.routerId)
          ? `${inst.routerId}/${family}`
          : `name:${inst.name}`;
      groups.set(key, [...(groups.get(key) ?? []), { host: h.host, inst }]);
    }
  }
  return groups;
}

/** Highest priority first; on a tie the host whose file says MASTER, then the order given. */
function bySuccession(members: Member[]): Member[] {
  return [...members].sort(
    (a, b) =>
      b.inst.priority - a.inst.priority || Number(b.inst.state === 'MASTER') - Number(a.inst.state === 'MASTER'),
  );
}

const withPrefix = (address: string): string =>
  address.includes('/') ? address : `${address}/${address.includes(':') ? 128 : 32}`;

/** One ipferry config (peer mode, as LAN keepalived clusters are) from every host's keepalived.conf. */
export function mapKeepalived(cluster: string, hosts: HostFile[], notes: Notes): ImportResult {
  const header: string[] = [
    `Imported from keepalived.conf of ${hosts.map((h) => h.host).join(', ')} by \`ipferry import keepalived\`.`,
  ];
  const vips: Record<string, unknown>[] = [];
  const vipOfInstance = new Map<string, string>();
  const advert: number[] = [];
  const preemptDelay: number[] = [];
  let psk: string | undefined;
  const checks = scriptChecks(hosts, notes);
  const linkCheckOf = linkChecks(hosts, checks, notes);
  for (const members of groupInstances(hosts).values()) {
    const order = bySuccession(members);
    const lead = order[0]!;
    reportDisagreement(order, notes);
    // keepalived: the highest priority wins, so the key is the priority, negated (best first, lower key).
    const preferred = successionFrom(order.map((m) => ({ host: identifierOf(m.host), key: -m.inst.priority })));
    if (order.length > 1)
      header.push(
        successionNote(
          lead.inst.name,
          order.map((m) => `${m.host} (priority ${m.inst.priority})`),
          preferred,
        ),
      );
    const preempt = !order.some((m) => m.inst.nopreempt);
    for (const m of order) {
      if (m.inst.advertMs !== undefined) advert.push(m.inst.advertMs);
      if (m.inst.preemptDelayMs !== undefined) preemptDelay.push(m.inst.preemptDelayMs);
      if (m.inst.authPass && psk === undefined)
        psk = pskFrom(m.inst.authPass.pass, m.inst.authPass.where, notes, 'VRRP PASS');
    }
    // Scripts the importer could not carry are already listed as dropped; the VIP names only the rest.
    const tracked = lead.inst.trackScripts
      .map((t) => identifierOf(t.name))
      .filter((name) => checks[name] !== undefined)
      .concat(lead.inst.trackInterfaces.flatMap((t) => linkCheckOf.get(t.name) ?? []));
    const hooks = hooksOf(lead, order, notes);
    lead.inst.addresses.forEach((a, i) => {
      const name = identifierOf(i === 0 ? lead.inst.name : `${lead.inst.name}-${i + 1}`);
      if (a.label)
        notes.warn(a.where, `label ${a.label}`, 'noted only: ipferry plumbs the address without an interface label');
      const vip: Record<string, unknown> = { name, address: withPrefix(a.address), preferred, preempt };
      if (!parseIp(a.address.split('/')[0]!))
        notes.warn(
          a.where,
          a.address,
          'not an IP address keepalived would accept either; the config check will name it',
        );
      if (a.dev && a.dev !== lead.inst.interface) vip.interface = a.dev;
      // Addresses of one instance move together, as they do in keepalived.
      if (i > 0) follow(vip, vipOfInstance.get(lead.inst.name)!);
      if (tracked.length > 0) vip.checks = tracked;
      // keepalived runs notify scripts once per instance: the hooks go on its first VIP only.
      if (hooks && i === 0) vip.hooks = hooks;
      if (lead.inst.garp.count !== undefined || lead.inst.garp.refreshMs !== undefined)
        vip.announce = {
          ...(lead.inst.garp.count !== undefined ? { count: Math.min(50, lead.inst.garp.count) } : {}),
          ...(lead.inst.garp.refreshMs !== undefined ? { refresh: ms(lead.inst.garp.refreshMs) } : {}),
        };
      if (i === 0) vipOfInstance.set(lead.inst.name, name);
      vips.push(vip);
    });
    if (lead.inst.addresses.length === 0)
      notes.drop(
        lead.inst.where,
        `vrrp_instance ${lead.inst.name}`,
        'it has no virtual_ipaddress, so there is nothing to keep alive',
      );
  }
  applySyncGroups(hosts, vips, vipOfInstance, notes);
  const timers: Record<string, string> = {};
  if (advert.length > 0) {
    const interval = Math.min(...advert);
    // keepalived declares a master dead after 3 adverts (plus a skew under a second): the same rule.
    Object.assign(timers, { heartbeatInterval: ms(interval), deadAfter: ms(3 * interval) });
    if (new Set(advert).size > 1)
      notes.warn(
        'advert_int',
        `values ${[...new Set(advert)].join(', ')} ms`,
        'one heartbeat interval serves the cluster: the shortest is used',
      );
  }
  if (preemptDelay.length > 0) timers.preemptDelay = ms(Math.max(...preemptDelay));
  const nodes = hosts.map((h) => nodeOf(h));
  const config: Record<string, unknown> = {
    cluster,
    control: peerControl(
      nodes,
      hosts.flatMap((h) => h.instances.flatMap((i) => i.unicastPeers)),
      notes,
    ),
    ...(Object.keys(timers).length > 0 ? { timers } : {}),
    security: { psk: psk ?? freshPsk(notes) },
    nodes,
    ...(Object.keys(checks).length > 0 ? { checks } : {}),
    vips,
  };
  return { config, notes: notes.list, header };
}

function nodeOf(h: HostFile): Record<string, unknown> {
  const interfaces = h.instances.map((i) => i.interface).filter((i): i is string => i !== undefined);
  const addresses = [...new Set(h.instances.map((i) => i.unicastSrc).filter((a): a is string => a !== undefined))];
  return { id: identifierOf(h.host), ...(interfaces[0] ? { interface: interfaces[0] } : {}), addresses };
}

function reportDisagreement(order: Member[], notes: Notes): void {
  const key = (m: Member) =>
    m.inst.addresses
      .map((a) => withPrefix(a.address))
      .sort()
      .join(' ');
  const lead = order[0]!;
  for (const m of order.slice(1)) {
    if (key(m) !== key(lead))
      notes.drop(
        m.inst.where,
        `vrrp_instance ${m.inst.name} on ${m.host} (virtual_router_id ${m.inst.routerId})`,
        `its addresses [${key(m)}] differ from ${lead.host}'s [${key(lead)}]: the hosts disagree; ${lead.host}'s (the preferred) are used`,
      );
    if (m.inst.name !== lead.inst.name)
      notes.warn(
        m.inst.where,
        `vrrp_instance ${m.inst.name}`,
        `same virtual_router_id as ${lead.inst.name} on ${lead.host}: taken as one VIP group named after ${lead.inst.name}`,
      );
  }
}

/**
 * notify_master → hooks.up, notify_backup → hooks.down (layout none: keepalived gives them no
 * arguments of its own), notify → hooks.notify (layout keepalived: INSTANCE, name, state, and each
 * host's priority as its file said), from the preferred host.
 */
function hooksOf(lead: Member, order: Member[], notes: Notes): Record<string, unknown> | undefined {
  const n = lead.inst.notify;
  const hooks: Record<string, unknown> = {};
  // keepalived splits a notify line into words itself and runs it without a shell: so does a hook argv.
  const argv = (line: string) => {
    try {
      return shellWords(line);
    } catch {
      return line.split(/\s+/);
    }
  };
  if (n.master) hooks.up = { run: argv(n.master), layout: 'none' };
  if (n.backup) hooks.down = { run: argv(n.backup), layout: 'none' };
  if (n.notify) {
    const priorities = Object.fromEntries(order.map((m) => [identifierOf(m.host), m.inst.priority]));
    hooks.notify = { run: argv(n.notify), layout: 'keepalived', priorities };
  }
  if (Object.keys(hooks).length === 0) return undefined;
  if (n.backup)
    notes.warn(
      lead.inst.where,
      'notify_backup',
      'carried as hooks.down: ipferry runs it when this host lets the VIP go, not when a host starts as a backup',
    );
  for (const m of order.slice(1))
    if (JSON.stringify(m.inst.notify) !== JSON.stringify(n))
      notes.warn(
        m.inst.where,
        `notify scripts on ${m.host}`,
        `differ from ${lead.host}'s; hooks are one per VIP, ${lead.host}'s are used`,
      );
  return hooks;
}

function applySyncGroups(
  hosts: HostFile[],
  vips: Record<string, unknown>[],
  vipOf: Map<string, string>,
  notes: Notes,
): void {
  const seen = new Set<string>();
  for (const g of hosts.flatMap((h) => h.syncGroups)) {
    if (seen.has(g.name)) continue;
    seen.add(g.name);
    const [first, ...rest] = g.members;
    const leader = first ? vipOf.get(first) : undefined;
    if (!leader) {
      notes.drop(g.where, `vrrp_sync_group ${g.name}`, 'its first instance carries no VIP here');
      continue;
    }
    for (const member of rest) {
      const name = vipOf.get(member);
      const vip = vips.find((v) => v.name === name);
      if (!vip)
        notes.drop(g.where, `group member ${member}`, 'no such vrrp_instance with addresses among the imported files');
      // ipferry follows one VIP, not chains: the member's other addresses follow the leader too.
      else for (const v of vips) if (v.name === name || v.follow === name) follow(v, leader);
    }
  }
}

/** A follower sits wherever its leader is: its own preference and preemption would be refused. */
function follow(vip: Record<string, unknown>, leader: string): void {
  vip.follow = leader;
  delete vip.preferred;
  delete vip.preempt;
}
