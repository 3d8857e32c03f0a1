/**
 * IPv4 and IPv6 addresses and prefixes as numbers, for containment and overlap checks.
 * Written here rather than taken from a library because core must stay dependency-light and
 * the needs are small: parse, contains, overlaps, canonical text.
 */
export type Family = 4 | 6;

export interface Prefix {
  family: Family;
  /** The address as written (host bits kept), as a number. */
  address: bigint;
  length: number;
  /** Canonical text of the address part. */
  text: string;
}

export function parseIp(text: string): { family: Family; value: bigint } | undefined {
  if (text.includes(':')) {
    const v = parseIpv6(text);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIpv4(text);
  return v === undefined ? undefined : { family: 4, value: v };
}

/** "198.18.0.50/24" or "2001:db8::5/64"; without "/n" the prefix is the full host length. */
export function parsePrefix(text: string): Prefix | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const length = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!Number.isInteger(length) || length < 0 || length > max) return undefined;
  return { family: ip.family, address: ip.value, length, text: formatIp(ip.family, ip.value) };
}

function bits(family: Family): number {
  return family === 4 ? 32 : 128;
}

function networkOf(family: Family, value: bigint, length: number): bigint {
  const shift = BigInt(bits(family) - length);
  return (value >> shift) << shift;
}

/** Whether the network `net` (its length applies) contains the address `ip`. */
export function prefixContains(net: Prefix, ip: { family: Family; value: bigint }): boolean {
  if (net.family !== ip.family) return false;
  return networkOf(net.family, net.address, net.length) === networkOf(ip.family, ip.value, net.length);
}

/** Whether two networks share any address. */
export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.length, b.length);
  return networkOf(a.family, a.address, len) === networkOf(b.family, b.address, len);
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const words: number[] = [];
  const pushGroups = (list: string[], out: number[]): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (g.includes('.')) {
        // An embedded IPv4 tail, as in ::ffff:198.18.0.1
        if (i !== list.length - 1) return false;
        const v4 = parseIpv4(g);
        if (v4 === undefined) return false;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
        out.push(parseInt(g, 16));
      }
    }
    return true;
  };
  const headWords: number[] = [];
  const tailWords: number[] = [];
  if (!pushGroups(head, headWords) || !pushGroups(tail, tailWords)) return undefined;
  if (halves.length === 1) {
    if (headWords.length !== 8) return undefined;
    words.push(...headWords);
  } else {
    const missing = 8 - headWords.length - tailWords.length;
    if (missing < 1) return undefined;
    words.push(...headWords, ...new Array<number>(missing).fill(0), ...tailWords);
  }
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

/** RFC 5952 text: lower case, longest zero run compressed. */
export function formatIp(family: Family, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  }
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The canonical text of an address, or undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip.family, ip.value) : undefined;
}
