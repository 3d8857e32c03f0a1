import { freshPsk, identifierOf, ms, type Notes, pskFrom, type ImportResult } from './report';
import { ImportError } from './keepalived-parse';
import { shellWords } from './shell-words';
import { peerControl } from './peer-control';
import { successionFrom, successionNote } from './succession';

/** One ucarp process: the flags of its command line that the importer reads. */
export interface UcarpLine {
  host: string;
  interface?: string;
  srcip?: string;
  vhid?: number;
  pass?: string;
  addr?: string;
  advbase: number;
  advskew: number;
  deadratio: number;
  preempt: boolean;
  upscript?: string;
  downscript?: string;
  xparam?: string;
}

// ucarp(8): flags that take a value, short and long.
const VALUED: Record<string, keyof UcarpLine> = {
  i: 'interface',
  interface: 'interface',
  s: 'srcip',
  srcip: 'srcip',
  v: 'vhid',
  vhid: 'vhid',
  p: 'pass',
  pass: 'pass',
  a: 'addr',
  addr: 'addr',
  b: 'advbase',
  advbase: 'advbase',
  k: 'advskew',
  advskew: 'advskew',
  r: 'deadratio',
  deadratio: 'deadratio',
  u: 'upscript',
  upscript: 'upscript',
  d: 'downscript',
  downscript: 'downscript',
  x: 'xparam',
  xparam: 'xparam',
};
const WHY_FLAG: Record<string, string> = {
  B: 'ipferry agents run under systemd, not as daemons',
  daemonize: 'ipferry agents run under systemd, not as daemons',
  z: 'ipferry calls hooks.down when an agent stops while holding a VIP (what --shutdown asked for)',
  shutdown: 'ipferry calls hooks.down when an agent stops while holding a VIP (what --shutdown asked for)',
  n: 'ipferry has no neutral mode',
  neutral: 'ipferry has no neutral mode',
  m: 'ipferry heartbeats are not CARP adverts; nodes are reached on their addresses',
  mcast: 'ipferry heartbeats are not CARP adverts; nodes are reached on their addresses',
  o: 'a password file: give the secret as security.pskFile',
  passfile: 'a password file: give the secret as security.pskFile',
  f: 'ipferry logs to stdout/journald',
  facility: 'ipferry logs to stdout/journald',
  S: 'ipferry never needs to skip an interface check',
  ignoreifstate: 'ipferry never needs to skip an interface check',
  M: 'ipferry heartbeats are not CARP adverts',
  nomcast: 'ipferry heartbeats are not CARP adverts',
};
const FLAG_WITH_VALUE = new Set(['m', 'mcast', 'o', 'passfile', 'f', 'facility']);

/** Reads one ucarp command line (`ucarp -i eth0 …` or the flags alone). */
export function parseUcarp(host: string, line: string, notes: Notes): UcarpLine {
  let words: string[];
  try {
    words = shellWords(line);
  } catch (err) {
    throw new ImportError(host, (err as Error).message);
  }
  if (words[0] !== undefined && /(^|\/)ucarp$/.test(words[0])) words.shift();
  const out: UcarpLine = { host, advbase: 1, advskew: 0, deadratio: 3, preempt: false };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    // getopt: a long flag (--vhid=1, --vhid 1) or a short one with its value attached or not (-k10, -k 10).
    const m = /^--([A-Za-z][A-Za-z-]*)(?:=(.*))?$/.exec(word) ?? /^-([A-Za-z])(.+)?$/.exec(word);
    if (!m) {
      notes.drop(host, word, 'not a ucarp flag');
      continue;
    }
    const flag = m[1]!;
    if (flag === 'P' || flag === 'preempt') {
      out.preempt = true;
      continue;
    }
    const field = VALUED[flag];
    if (field === undefined) {
      const value = FLAG_WITH_VALUE.has(flag) ? (m[2] ?? words[++i]) : undefined;
      notes.drop(
        host,
        value === undefined ? word : `${word} ${value}`,
        WHY_FLAG[flag] ?? 'not a ucarp flag the importer knows',
      );
      continue;
    }
    const value = m[2] ?? words[++i];
    if (value === undefined) throw new ImportError(host, `${word} needs a value`);
    if (['vhid', 'advbase', 'advskew', 'deadratio'].includes(field)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 255)
        throw new ImportError(host, `${word} ${value} is not a number from 0 to 255`);
      (out as unknown as Record<string, number>)[field] = n;
    } else (out as unknown as Record<string, string>)[field] = value;
  }
  if (out.addr === undefined) throw new ImportError(host, `no --addr: ucarp needs the virtual address`);
  if (out.vhid === undefined) throw new ImportError(host, `no --vhid: ucarp needs the virtual host id`);
  return out;
}

/** ucarp's -a is a bare address; the prefix it is plumbed with is in the up script, so it is asked for. */
const withPrefix = (address: string, prefixLength?: number): string =>
  address.includes('/') ? address : `${address}/${prefixLength ?? (address.includes(':') ? 128 : 32)}`;

/** One ipferry config from the ucarp command lines of every host (several lines per host allowed). */
export function mapUcarp(cluster: string, lines: UcarpLine[], notes: Notes, prefixLength?: number): ImportResult {
  const header = [
    `Imported from ucarp command lines of ${[...new Set(lines.map((l) => l.host))].join(', ')} by \`ipferry import ucarp\`.`,
  ];
  if (prefixLength === undefined)
    notes.warn(
      '--addr',
      'prefix length',
      'ucarp has none (the up script sets it): /32 (or /128) is used; give --prefix N to match your up script',
    );
  const byVhid = new Map<number, UcarpLine[]>();
  for (const l of lines) byVhid.set(l.vhid!, [...(byVhid.get(l.vhid!) ?? []), l]);
  const vips: Record<string, unknown>[] = [];
  for (const [vhid, members] of [...byVhid].sort((a, b) => a[0] - b[0])) {
    // CARP: the lowest advskew advertises most often and wins; advbase first, as ucarp compares it.
    const order = [...members].sort((a, b) => a.advbase - b.advbase || a.advskew - b.advskew);
    const lead = order[0]!;
    for (const m of order.slice(1))
      if (m.addr !== lead.addr)
        notes.warn(
          m.host,
          `vhid ${vhid} address ${m.addr}`,
          `differs from ${lead.host}'s ${lead.addr}: the hosts disagree; ${lead.host}'s is used`,
        );
    // CARP compares advbase, then advskew: one key, lower is better (advskew is under 256).
    const preferred = successionFrom(
      order.map((m) => ({ host: identifierOf(m.host), key: m.advbase * 256 + m.advskew })),
    );
    if (order.length > 1)
      header.push(
        successionNote(
          `vhid ${vhid}`,
          order.map((m) => `${m.host} (advskew ${m.advskew})`),
          preferred,
        ),
      );
    const vip: Record<string, unknown> = {
      name: `vhid${vhid}`,
      address: withPrefix(lead.addr!, prefixLength),
      preferred,
      preempt: order.some((m) => m.preempt),
    };
    if (order.some((m) => m.preempt !== lead.preempt))
      notes.warn(
        lead.host,
        `vhid ${vhid} --preempt`,
        'set on some hosts only: preempt is one setting per VIP, so it is on',
      );
    // ucarp's layout: $1 interface, $2 address, $3 --xparam, as the scripts were written for.
    const extra = lead.xparam !== undefined && lead.xparam.length > 0 && lead.xparam.length <= 256;
    const hook = (run: string) => ({ run, layout: 'ucarp', ...(extra ? { extra: lead.xparam } : {}) });
    const hooks = {
      ...(lead.upscript ? { up: hook(lead.upscript) } : {}),
      ...(lead.downscript ? { down: hook(lead.downscript) } : {}),
    };
    if (Object.keys(hooks).length > 0) vip.hooks = hooks;
    if (lead.xparam !== undefined && (!extra || Object.keys(hooks).length === 0))
      notes.drop(
        lead.host,
        `--xparam ${lead.xparam}`,
        extra ? 'no up or down script to pass it to' : 'empty or longer than 256 characters',
      );
    vips.push(vip);
  }
  const hosts = [...new Set(lines.map((l) => l.host))];
  const nodes = hosts.map((h) => {
    const mine = lines.filter((l) => l.host === h);
    const addresses = [...new Set(mine.map((l) => l.srcip).filter((a): a is string => a !== undefined))];
    return { id: identifierOf(h), ...(mine[0]?.interface ? { interface: mine[0].interface } : {}), addresses };
  });
  const advbase = Math.min(...lines.map((l) => l.advbase));
  const deadratio = Math.max(...lines.map((l) => l.deadratio));
  const pass = lines.find((l) => l.pass !== undefined);
  return {
    header,
    notes: notes.list,
    config: {
      cluster,
      control: peerControl(nodes, [], notes),
      // ucarp declares a master dead after deadratio missed adverts of advbase seconds.
      timers: {
        heartbeatInterval: ms(Math.max(1, advbase) * 1000),
        deadAfter: ms(Math.max(1, advbase) * deadratio * 1000),
      },
      security: { psk: pass ? pskFrom(pass.pass!, pass.host, notes, 'CARP') : freshPsk(notes) },
      nodes,
      vips,
    },
  };
}
