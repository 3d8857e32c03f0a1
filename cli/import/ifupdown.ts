import { readFileSync, statSync } from 'node:fs';
import { ImportError } from './keepalived-parse';
import type { Notes } from './report';
import type { UcarpLine } from './ucarp';

/**
 * Debian's ucarp package is configured in /etc/network/interfaces (its README.Debian): `ucarp-*`
 * options in an `iface` stanza, which /etc/network/if-up.d/ucarp turns into
 * `ucarp -i IFACE -s ADDRESS -B -z -v VID -p PASS -a VIP -u UP -d DOWN [-P] [-k] [-b] [-r] [-M] [-x]`.
 * This reads those stanzas into the same UcarpLine a command line gives, with file:line in every
 * note, and the prefix of the address from the `IFACE:ucarp` stanza that plumbs it.
 */
export interface InterfacesImport {
  lines: UcarpLine[];
  /** The VIP's prefix length, from the `iface X:ucarp` stanza's netmask (or CIDR), when there is one. */
  prefixLength?: number;
}

// Bounds for hostile input: no real interfaces file comes near them.
const MAX_BYTES = 1024 * 1024;
const MAX_STANZAS = 4096;

/** The scripts Debian's hook uses when none is given: they `ifup IFACE:ucarp`, which the agent's bind replaces. */
const DEBIAN_SCRIPTS = new Set(['/usr/share/ucarp/vip-up', '/usr/share/ucarp/vip-down']);
const NUMERIC: Record<string, 'vhid' | 'advskew' | 'advbase' | 'deadratio'> = {
  'ucarp-vid': 'vhid',
  'ucarp-advskew': 'advskew',
  'ucarp-advbase': 'advbase',
  'ucarp-deadratio': 'deadratio',
};
const FALSE = /^(no|off|false|0)/; // as the hook's `expr "$IF_UCARP_MASTER" : "no\|off\|false\|0"`

interface Stanza {
  iface: string;
  method: string;
  line: number;
  options: { key: string; value: string; line: number }[];
}

export function readInterfaces(host: string, file: string, notes: Notes): InterfacesImport {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new ImportError(file, 'is not a regular file');
    if (st.size > MAX_BYTES) throw new ImportError(file, `is ${st.size} bytes, more than ${MAX_BYTES}`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError(
      file,
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const stanzas = parseStanzas(file, text, notes);
  const lines: UcarpLine[] = [];
  let prefixLength: number | undefined;
  for (const s of stanzas) {
    const opts = new Map(s.options.map((o) => [o.key, o]));
    if (s.iface.endsWith(':ucarp')) {
      const address = opts.get('address');
      const prefix = address && prefixOf(address.value, opts.get('netmask')?.value);
      if (prefix !== undefined) prefixLength = prefix;
      continue;
    }
    if (!s.options.some((o) => o.key.startsWith('ucarp-'))) continue;
    lines.push(toUcarp(host, file, s, opts, notes));
  }
  if (lines.length === 0) throw new ImportError(file, 'no iface stanza with ucarp-vid, ucarp-vip and ucarp-password');
  return { lines, ...(prefixLength === undefined ? {} : { prefixLength }) };
}

function toUcarp(
  host: string,
  file: string,
  s: Stanza,
  opts: Map<string, Stanza['options'][number]>,
  notes: Notes,
): UcarpLine {
  const at = (line: number) => `${file}:${line}`;
  for (const key of ['ucarp-vid', 'ucarp-vip', 'ucarp-password']) {
    // The hook starts nothing without all three; an import that guessed would be wrong.
    if (!opts.has(key))
      throw new ImportError(
        at(s.line),
        `iface ${s.iface} has ucarp options but no ${key} (Debian's hook would not start ucarp)`,
      );
  }
  const address = opts.get('address');
  if (!address)
    notes.warn(
      at(s.line),
      `iface ${s.iface} (${s.method})`,
      "no address: ucarp takes the interface's address as its source; add nodes[].addresses by hand",
    );
  const out: UcarpLine = {
    host,
    interface: s.iface,
    advbase: 1,
    advskew: 0,
    deadratio: 3,
    preempt: false,
    vhid: 0,
    addr: opts.get('ucarp-vip')!.value,
    pass: opts.get('ucarp-password')!.value,
  };
  if (address) out.srcip = address.value.split('/')[0]!;
  for (const o of s.options) {
    if (!o.key.startsWith('ucarp-')) continue;
    const numeric = NUMERIC[o.key];
    if (numeric) {
      const n = Number(o.value);
      if (!/^\d+$/.test(o.value) || n > 255)
        throw new ImportError(at(o.line), `${o.key} ${o.value} is not a number from 0 to 255`);
      out[numeric] = n;
    } else if (o.key === 'ucarp-master') out.preempt = !FALSE.test(o.value);
    else if (o.key === 'ucarp-upscript' || o.key === 'ucarp-downscript') {
      if (DEBIAN_SCRIPTS.has(o.value))
        notes.drop(
          at(o.line),
          `${o.key} ${o.value}`,
          "Debian's own script brings IFACE:ucarp up or down; the agent binds and unbinds the address itself",
        );
      else out[o.key === 'ucarp-upscript' ? 'upscript' : 'downscript'] = o.value;
    } else if (o.key === 'ucarp-nomcast') {
      if (!FALSE.test(o.value))
        notes.drop(at(o.line), `${o.key} ${o.value}`, 'ipferry heartbeats are not CARP adverts');
    } else if (o.key === 'ucarp-xparam') out.xparam = o.value;
    else if (o.key !== 'ucarp-vid' && o.key !== 'ucarp-vip' && o.key !== 'ucarp-password')
      notes.drop(at(o.line), `${o.key} ${o.value}`, "not an option Debian's ucarp hook reads");
  }
  return out;
}

/** `iface` stanzas with their option lines; `\` continues a line; other stanza kinds are skipped. */
function parseStanzas(file: string, text: string, notes: Notes): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza | undefined;
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const lineNo = i + 1;
    let line = raw[i]!;
    while (line.endsWith('\\') && i + 1 < raw.length) line = line.slice(0, -1) + ' ' + raw[++i]!;
    const words = line
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0 || words[0]!.startsWith('#')) continue;
    const [key, ...rest] = words as [string, ...string[]];
    if (key === 'iface') {
      if (stanzas.length >= MAX_STANZAS) throw new ImportError(file, `more than ${MAX_STANZAS} iface stanzas`);
      current = { iface: rest[0] ?? '', method: rest.slice(1).join(' '), line: lineNo, options: [] };
      stanzas.push(current);
    } else if (
      key === 'auto' ||
      key.startsWith('allow-') ||
      key === 'mapping' ||
      key === 'no-auto-down' ||
      key === 'no-scripts'
    ) {
      current = undefined;
    } else if (key === 'source' || key === 'source-directory') {
      current = undefined;
      notes.drop(
        `${file}:${lineNo}`,
        `${key} ${rest.join(' ')}`,
        'not followed: give a file that holds the ucarp stanzas with another --interfaces',
      );
    } else if (current) current.options.push({ key, value: rest.join(' '), line: lineNo });
  }
  return stanzas;
}

/** `10.0.0.1/24`, or `10.0.0.1` with `netmask 255.255.255.0` (or `netmask 24`). */
function prefixOf(address: string, netmask: string | undefined): number | undefined {
  const cidr = /\/(\d{1,3})$/.exec(address);
  if (cidr) return Number(cidr[1]);
  if (netmask === undefined) return undefined;
  if (/^\d{1,3}$/.test(netmask)) return Number(netmask);
  const octets = netmask.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
  const bits = octets.map((o) => o.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}
