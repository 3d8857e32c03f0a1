/**
 * Address arithmetic the EC2 emulator needs: subnet membership, AWS's reserved addresses, picking
 * free addresses, and one canonical spelling for IPv6 so "2001:db8::5" and "2001:0db8:0:0::5"
 * are recognised as the same address.
 */
import { isIPv4 } from 'node:net';
import { formatIp, parseIp, parsePrefix, prefixContains } from '../../core/ip';

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

/** RFC 5952 spelling (core/ip's), or undefined when not an IPv6 address. */
export function canonicalIpv6(ip: string): string | undefined {
  const parsed = parseIp(ip);
  return parsed?.family === 6 ? formatIp(6, parsed.value) : undefined;
}

export function inCidr6(ip: string, cidr: string): boolean {
  const net = parsePrefix(cidr);
  const addr = parseIp(ip);
  return net?.family === 6 && cidr.includes('/') && addr !== undefined && prefixContains(net, addr);
}

/** Free addresses from a /64 (or longer) IPv6 block, counting up from ::10 in the last group. */
export function freeIpv6(cidr: string, taken: Set<string>, count: number): string[] {
  const net = parsePrefix(cidr);
  if (net?.family !== 6) return [];
  const base = (net.address >> 16n) << 16n;
  const out: string[] = [];
  for (let n = 0x10n; n <= 0xffffn && out.length < count; n++) {
    const ip = formatIp(6, base | n);
    if (!taken.has(ip)) out.push(ip);
  }
  return out;
}
