import { at, type Statement } from './keepalived-parse';
import type { Notes } from './report';

/** One vrrp_instance as one host's file has it. */
export interface HostInstance {
  name: string;
  where: string;
  routerId?: number;
  state?: string;
  priority: number;
  interface?: string;
  addresses: { address: string; dev?: string; label?: string; where: string }[];
  nopreempt: boolean;
  preemptDelayMs?: number;
  advertMs?: number;
  unicastSrc?: string;
  unicastPeers: string[];
  authPass?: { pass: string; where: string };
  trackScripts: { name: string; where: string }[];
  trackInterfaces: { name: string; where: string }[];
  notify: { master?: string; backup?: string; notify?: string };
  garp: { count?: number; refreshMs?: number };
}

export interface HostScript {
  name: string;
  where: string;
  command: string;
  intervalMs: number;
  timeoutMs?: number;
  rise: number;
  fall: number;
  weight?: { value: string; where: string };
}

export interface HostFile {
  host: string;
  instances: HostInstance[];
  scripts: Map<string, HostScript>;
  syncGroups: { name: string; members: string[]; where: string }[];
}

const WHY_LVS =
  'ipferry moves addresses; it does not balance load (LVS/IPVS): keep ipvsadm, haproxy or nginx for that on the hosts';
const WHY_EMAIL = 'ipferry sends no e-mail: use hooks.notify or watch `ipferry events`';
const TOP_DROPPED: Record<string, string> = {
  virtual_server: WHY_LVS,
  virtual_server_group: WHY_LVS,
  static_ipaddress: "addresses that never move are the OS's to configure (/etc/network/interfaces, netplan)",
  static_routes: "routes that never move are the OS's to configure",
  static_rules: "policy rules that never move are the OS's to configure",
};

const seconds = (word: string | undefined): number | undefined => {
  const n = Number(word);
  return word !== undefined && Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : undefined;
};

/** The parts of one host's keepalived.conf the mapper uses; every other statement becomes a note. */
export function readHost(host: string, statements: Statement[], notes: Notes): HostFile {
  const file: HostFile = { host, instances: [], scripts: new Map(), syncGroups: [] };
  for (const s of statements) {
    const [key, name] = s.words;
    if (key === 'vrrp_instance' && s.children)
      file.instances.push(readInstance(name ?? `instance-${s.line}`, s, notes));
    else if (key === 'vrrp_script' && s.children) file.scripts.set(name ?? '', readScript(name ?? '', s, notes));
    else if (key === 'vrrp_sync_group' && s.children) file.syncGroups.push(readSyncGroup(name ?? '', s, notes));
    else if (key === 'global_defs') readGlobal(s, notes);
    else
      notes.drop(at(s), s.words.join(' '), TOP_DROPPED[key ?? ''] ?? 'not a VRRP statement ipferry has a meaning for');
  }
  return file;
}

function readGlobal(s: Statement, notes: Notes): void {
  for (const c of s.children ?? []) {
    const key = c.words[0]!;
    const why = /^(notification_email|smtp_)/.test(key)
      ? WHY_EMAIL
      : key === 'router_id'
        ? 'ipferry names a host by its node id (the --node NAME given to the importer)'
        : 'a keepalived daemon setting with no ipferry counterpart';
    notes.drop(at(c), c.words.join(' '), why);
  }
}

function readScript(name: string, s: Statement, notes: Notes): HostScript {
  const script: HostScript = { name, where: at(s), command: '', intervalMs: 1000, rise: 1, fall: 1 };
  for (const c of s.children ?? []) {
    const [key, value] = c.words;
    if (key === 'script') script.command = c.words.slice(1).join(' ');
    else if (key === 'interval') script.intervalMs = seconds(value) ?? script.intervalMs;
    else if (key === 'timeout') script.timeoutMs = seconds(value);
    else if (key === 'rise') script.rise = Math.max(1, Math.min(100, Number(value) || 1));
    else if (key === 'fall') script.fall = Math.max(1, Math.min(100, Number(value) || 1));
    else if (key === 'weight') script.weight = { value: c.words.slice(1).join(' '), where: at(c) };
    else notes.drop(at(c), c.words.join(' '), 'a vrrp_script option with no ipferry counterpart');
  }
  return script;
}

function readSyncGroup(name: string, s: Statement, notes: Notes): { name: string; members: string[]; where: string } {
  const members: string[] = [];
  for (const c of s.children ?? []) {
    if (c.words[0] === 'group') members.push(...(c.children ?? []).flatMap((m) => m.words));
    else
      notes.drop(
        at(c),
        c.words.join(' '),
        c.words[0]?.startsWith('notify')
          ? "group notify scripts: put hooks on the group's first VIP instead"
          : 'a sync group option with no ipferry counterpart',
      );
  }
  return { name, members, where: at(s) };
}

function readInstance(name: string, s: Statement, notes: Notes): HostInstance {
  const inst: HostInstance = {
    name,
    where: at(s),
    priority: 100,
    addresses: [],
    nopreempt: false,
    unicastPeers: [],
    trackScripts: [],
    trackInterfaces: [],
    notify: {},
    garp: {},
  };
  for (const c of s.children ?? []) {
    const [key, value] = c.words;
    const rest = c.words.slice(1).join(' ');
    switch (key) {
      case 'state':
        inst.state = value?.toUpperCase();
        break;
      case 'interface':
        inst.interface = value;
        break;
      case 'virtual_router_id':
        inst.routerId = Number(value);
        break;
      case 'priority':
        inst.priority = Number(value) || 0;
        break;
      case 'advert_int':
        inst.advertMs = seconds(value);
        break;
      case 'nopreempt':
        inst.nopreempt = true;
        break;
      case 'preempt_delay':
        inst.preemptDelayMs = seconds(value);
        break;
      case 'unicast_src_ip':
        inst.unicastSrc = value;
        break;
      case 'unicast_peer':
        inst.unicastPeers.push(...(c.children ?? []).map((p) => p.words[0]!));
        break;
      case 'notify_master':
        inst.notify.master = rest;
        break;
      case 'notify_backup':
        inst.notify.backup = rest;
        break;
      case 'notify':
        inst.notify.notify = rest;
        break;
      case 'garp_master_repeat':
        inst.garp.count = Number(value) || undefined;
        break;
      case 'garp_master_refresh':
        inst.garp.refreshMs = seconds(value);
        break;
      case 'track_script':
        inst.trackScripts.push(...(c.children ?? []).map((t) => ({ name: t.words[0]!, where: at(t) })));
        for (const t of c.children ?? [])
          if (t.words.length > 1)
            notes.drop(
              at(t),
              t.words.join(' '),
              'a per-instance weight changes priority, and ipferry has no priorities to shift: a failing check makes the node ineligible instead',
            );
        break;
      case 'track_interface':
        inst.trackInterfaces.push(...(c.children ?? []).map((t) => ({ name: t.words[0]!, where: at(t) })));
        for (const t of c.children ?? [])
          if (t.words.length > 1)
            notes.drop(
              at(t),
              t.words.join(' '),
              'a weight shifts VRRP priority; ipferry has no priorities to shift: a link down makes the node ineligible instead',
            );
        break;
      case 'authentication':
        readAuth(inst, c, notes);
        break;
      case 'virtual_ipaddress':
      case 'virtual_ipaddress_excluded':
        if (key === 'virtual_ipaddress_excluded')
          notes.warn(
            at(c),
            key,
            'carried as VIPs like the others: keepalived only leaves them out of the adverts, which ipferry does not send',
          );
        for (const a of c.children ?? []) {
          const read = readAddress(a, notes);
          // Debian's keepalived.conf.vrrp lists 192.168.200.18 twice (once with a label): keepalived adds it once.
          const first = inst.addresses.find((b) => b.address === read.address);
          if (first)
            notes.drop(
              read.where,
              `${read.address} again`,
              `already listed at ${first.where}: keepalived adds it once, and so does ipferry`,
            );
          else inst.addresses.push(read);
        }
        break;
      default:
        notes.drop(
          at(c),
          c.words.join(' '),
          WHY_INSTANCE[key ?? ''] ?? 'a vrrp_instance option with no ipferry counterpart',
        );
    }
  }
  return inst;
}

const WHY_INSTANCE: Record<string, string> = {
  notify_fault: 'ipferry has no FAULT state: an unhealthy node is a backup, so hooks.down covers it',
  notify_stop: 'ipferry calls hooks.down when an agent stops while holding a VIP',
  smtp_alert: WHY_EMAIL,
  garp_master_delay:
    'ipferry announces right after binding and then on announce.refresh; a second burst after a delay is not modelled',
  virtual_routes: 'routes that move with a VIP are not modelled yet: add them in hooks.up and hooks.down',
  virtual_rules: 'policy rules that move with a VIP are not modelled yet: add them in hooks.up and hooks.down',
  mcast_src_ip: 'ipferry heartbeats are not VRRP adverts; nodes are reached on their addresses',
};

function readAuth(inst: HostInstance, s: Statement, notes: Notes): void {
  for (const c of s.children ?? []) {
    if (c.words[0] === 'auth_pass' && c.words[1] !== undefined) inst.authPass = { pass: c.words[1], where: at(c) };
    else if (c.words[0] === 'auth_type' && c.words[1]?.toUpperCase() === 'AH')
      notes.warn(
        at(c),
        'auth_type AH',
        'IPSEC-AH is not spoken; the auth_pass becomes the pre-shared key that signs heartbeats',
      );
    else if (c.words[0] !== 'auth_type')
      notes.drop(at(c), c.words.join(' '), 'an authentication option with no ipferry counterpart');
  }
}

const ADDRESS_FLAGS = new Set(['no_track', 'home', '-nodad', 'nodad', 'noprefixroute', 'autojoin']);

/** `<ADDR>[/<LEN>] [brd <IP>] [dev <IF>] [scope <S>] [label <L>] …` as keepalived.conf(5) writes it. */
function readAddress(s: Statement, notes: Notes): HostInstance['addresses'][number] {
  const [address, ...rest] = s.words;
  const out: HostInstance['addresses'][number] = { address: address!, where: at(s) };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (ADDRESS_FLAGS.has(word)) {
      notes.drop(at(s), word, 'an address flag ipferry does not set');
      continue;
    }
    const value = rest[++i];
    if (word === 'dev') out.dev = value;
    else if (word === 'label') out.label = value;
    else if (word !== 'brd' && word !== 'broadcast')
      notes.drop(
        at(s),
        `${word} ${value ?? ''}`.trim(),
        'an address option ipferry does not set (the agent plumbs the address with its prefix only)',
      );
  }
  return out;
}
