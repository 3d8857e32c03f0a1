import { formatIp, parseIp, parsePrefix } from '../ip';
import type { ConfigIssue } from './issues';
import type { Config, Vip } from './model';

/**
 * Hetzner's address shapes. An IPv4 floating IP is one address. An IPv6 floating IP is a whole
 * /64 (the API shows it as "2001:db8:ff::/64"), and the host carries an address inside it:
 * Hetzner's docs configure "<floating /64>::1/64" on the server (Hetzner Docs, Cloud > Floating IPs >
 * Persistent configuration). So an IPv6 hetzner-floating-ip VIP is a host address in that /64, and
 * its floating IP is found by containment, not by equal text. Alias IPs are IPv4 only (the API's
 * change_alias_ips takes IPv4 addresses of a private network).
 */
export const FLOATING_IPV6_PREFIX = 64;

/** The /64 network of an IPv6 address, as "2001:db8:ff::/64"; undefined for anything else. */
export function floatingIpv6Network(address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip || ip.family !== 6) return undefined;
  const hostBits = BigInt(128 - FLOATING_IPV6_PREFIX);
  return `${formatIp(6, (ip.value >> hostBits) << hostBits)}/${FLOATING_IPV6_PREFIX}`;
}

/**
 * Whether the floating IP the API calls `apiIp` carries the VIP address `vipIp`: equal for IPv4;
 * for IPv6, `vipIp` inside the /64 (a bare "2001:db8:ff::" from the API is read as its /64). Any
 * other length in an answer is not Hetzner's shape and matches nothing, so a hostile answer
 * cannot make us move a floating IP that does not hold the address.
 */
export function floatingIpHolds(apiIp: string, vipIp: string): boolean {
  const vip = parseIp(vipIp);
  const net = parsePrefix(apiIp.includes('/') || !apiIp.includes(':') ? apiIp : `${apiIp}/${FLOATING_IPV6_PREFIX}`);
  if (!vip || !net || net.family !== vip.family) return false;
  if (net.family === 4) return net.length === 32 && net.address === vip.value;
  if (net.length !== FLOATING_IPV6_PREFIX) return false;
  return floatingIpv6Network(vipIp) === floatingIpv6Network(net.text);
}

/** Config checks for Hetzner VIP addresses, each naming what is wrong and what to write instead. */
export function checkHetznerAddresses(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const sameFloating = new Map<string, number>();
  config.vips.forEach((v, i) => {
    if (!v.ip) return;
    const at = `vips[${i}].address`;
    if (v.kind === 'hetzner-alias-ip' && v.ip.family !== 4) {
      issues.push({ path: at, message: `${v.ip.text}: a Hetzner alias IP is an IPv4 address of a private network` });
    }
    if (v.kind !== 'hetzner-floating-ip' || v.ip.family !== 6) return;
    const issue = checkFloatingIpv6(v);
    if (issue) return issues.push({ path: at, message: issue });
    const net = floatingIpv6Network(v.ip.text)!;
    const first = sameFloating.get(net);
    if (first === undefined) sameFloating.set(net, i);
    else
      issues.push({
        path: at,
        message: `${v.ip.text} is in the same floating IP (${net}) as vips[${first}]; a floating IP moves as a whole, so give it one VIP`,
      });
  });
  return issues;
}

function checkFloatingIpv6(v: Vip): string | undefined {
  const { text, prefixLength } = v.ip!;
  const net = floatingIpv6Network(text)!;
  const first = parsePrefix(net)!.address + 1n;
  const example = `${formatIp(6, first)}/${FLOATING_IPV6_PREFIX}`;
  if (prefixLength < FLOATING_IPV6_PREFIX) {
    return `/${prefixLength} is wider than a Hetzner IPv6 floating IP, which is one /${FLOATING_IPV6_PREFIX} (${net}): write a host address in it with /${FLOATING_IPV6_PREFIX}, e.g. ${example}`;
  }
  if (`${text}/${FLOATING_IPV6_PREFIX}` === net) {
    return `${text} is the network address of the floating IP ${net} (the subnet-router anycast address), not a host address: write the address the server carries, e.g. ${example} as Hetzner's docs do`;
  }
  return undefined;
}
