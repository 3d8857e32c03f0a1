/**
 * Address arithmetic the EC2 emulator needs: subnet membership, AWS's reserved addresses, picking
 * free addresses, and one canonical spelling for IPv6 so "2001:db8::5" and "2001:0db8:0:0::5"
 * are recognised as the same address.
 */
import { isIPv4, isIPv6 } from 'node:net';

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr4 {
  base: number;
  prefix: number;
}

/** Parses "a.b.c.d/n"; undefined when malformed or when the address has host bits set. */
export function parseCidr4(cidr: string): Cidr4 | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !isIPv4(m[1]!)) return undefined;
  const prefix = Number(m[2]);
  if (prefix > 32) return undefined;
  const base = ipv4ToInt(m[1]!);
  if ((base & ~mask(prefix)) >>> 0 !== 0) return undefined;
  return { base, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function inCidr4(ip: string, cidr: string): boolean {
  const c = parseCidr4(cidr);
  return c !== undefined && isIPv4(ip) && (ipv4ToInt(ip) & mask(c.prefix)) >>> 0 === c.base;
}

/** AWS keeps the first four addresses and the last one of every subnet for itself. */
export function isReservedInSubnet(ip: string, cidr: string): boolean {
  const c = parseCidr4(cidr);
  if (!c) return false;
  const offset = ipv4ToInt(ip) - c.base;
  const size = 2 ** (32 - c.prefix);
  return offset < 4 || offset === size - 1;
}

/** The first `count` usable addresses of the subnet that `taken` does not contain. */
export function freeIpv4(cidr: string, taken: Set<string>, count: number): string[] {
  const c = parseCidr4(cidr);
  if (!c) return [];
  const size = 2 ** (32 - c.prefix);
  const out: string[] = [];
  for (let off = 4; off < size - 1 && out.length < count; off++) {
    const ip = intToIpv4(c.base + off);
    if (!taken.has(ip)) out.push(ip);
  }
  return out;
}

/** Eight 16-bit groups, or undefined when not an IPv6 address. */
function ipv6Groups(ip: string): number[] | undefined {
  if (!isIPv6(ip) || ip.includes('.')) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...Array<string>(zeros).fill('0'), ...t].map((g) => parseInt(g, 16));
}

/** RFC 5952 spelling: lower case, no leading zeros, the longest run of zero groups as "::". */
export function canonicalIpv6(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  if (!g) return undefined;
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

export function inCidr6(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const a = ipv6Groups(ip);
  const b = net === undefined ? undefined : ipv6Groups(net);
  const prefix = Number(len);
  if (!a || !b || !(prefix >= 0 && prefix <= 128)) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const group = bit >> 4;
    const shift = 15 - (bit & 15);
    if (((a[group]! >> shift) & 1) !== ((b[group]! >> shift) & 1)) return false;
  }
  return true;
}

/** Free addresses from a /64 (or longer) IPv6 block, counting up from ::10 in the last group. */
export function freeIpv6(cidr: string, taken: Set<string>, count: number): string[] {
  const net = ipv6Groups(cidr.split('/')[0] ?? '');
  if (!net) return [];
  const out: string[] = [];
  for (let n = 0x10; n <= 0xffff && out.length < count; n++) {
    const ip = canonicalIpv6([...net.slice(0, 7), n].map((x) => x.toString(16)).join(':'))!;
    if (!taken.has(ip)) out.push(ip);
  }
  return out;
}
