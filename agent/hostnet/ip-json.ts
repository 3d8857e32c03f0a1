import { z } from 'zod';
import { canonicalIp } from '../../core/ip';
import type { HostAddress } from '../../core/ports';

/** One address as `ip -j addr show` reports it, with the flags that say whether it is usable. */
export interface ConfiguredAddress extends HostAddress {
  /** Still in duplicate address detection (IPv6): not usable yet. */
  tentative: boolean;
  /** Duplicate address detection found another holder (IPv6): never usable. */
  dadFailed: boolean;
}

const addrInfo = z.object({
  family: z.string(),
  local: z.string().optional(),
  prefixlen: z.number().int().nonnegative(),
  tentative: z.boolean().optional(),
  dadfailed: z.boolean().optional(),
});

// Older iproute2 prints `{}` for interfaces a filter left out, hence everything optional here.
const link = z.object({
  ifname: z.string().optional(),
  addr_info: z.array(z.unknown()).optional(),
});

const output = z.array(z.unknown());

/**
 * Parses `ip -j addr show` into addresses with canonical text. Throws with the reason when the
 * output is not the JSON iproute2 documents; entries of other families (e.g. `link`) are skipped.
 */
export function parseIpAddrJson(text: string): { interfaces: Set<string>; addresses: ConfiguredAddress[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text === '' ? '[]' : text);
  } catch (err) {
    throw new Error(`ip -j addr show printed invalid JSON: ${(err as Error).message}`);
  }
  const links = output.safeParse(raw);
  if (!links.success) throw new Error('ip -j addr show printed JSON that is not a list of interfaces');
  const interfaces = new Set<string>();
  const addresses: ConfiguredAddress[] = [];
  for (const entry of links.data) {
    const l = link.safeParse(entry);
    if (!l.success || l.data.ifname === undefined) continue;
    interfaces.add(l.data.ifname);
    for (const info of l.data.addr_info ?? []) {
      const a = addrInfo.safeParse(info);
      if (!a.success || a.data.local === undefined) continue;
      const family = a.data.family === 'inet' ? 4 : a.data.family === 'inet6' ? 6 : undefined;
      const address = canonicalIp(a.data.local);
      if (family === undefined || address === undefined) continue;
      addresses.push({
        address,
        prefixLength: a.data.prefixlen,
        family,
        interface: l.data.ifname,
        tentative: a.data.tentative === true,
        dadFailed: a.data.dadfailed === true,
      });
    }
  }
  return { interfaces, addresses };
}
