import { subnetBlock, type NodeSpec, type Vip } from '../../../core/config';
import { parseIp, prefixContains } from '../../../core/ip';
import type { Holding } from '../../../core/ports';
import { FILTER_CHUNK } from './api';
import type { Frame, MoveOutcome } from '../frame';
import { observeIpv6, moveIpv6 } from './ipv6';
import { holderVerdict, vipAddress, type Ec2Kind, type KindDeps } from './kind';

/**
 * `aws-secondary-ip`: a secondary private address on the owner's interface.
 *
 * IPv4 — observe: DescribeNetworkInterfaces filtered by `addresses.private-ip-address`; move:
 * AssignPrivateIpAddresses with AllowReassignment=true (EC2 moves it atomically from whichever
 * interface holds it, an Elastic IP on it included), then DescribeNetworkInterfaces until the
 * target shows it (the remap is asynchronous and reads are eventually consistent).
 * IPv6 cannot be reassigned: see ipv6.ts.
 */
export class SecondaryIpKind implements Ec2Kind {
  readonly kind = 'aws-secondary-ip' as const;

  constructor(private readonly deps: KindDeps) {}

  refuse(vip: Vip, to: NodeSpec): string | undefined {
    const aws = to.aws;
    if (!aws?.eni) return `node ${to.id} has no aws.eni to carry ${vip.name}`;
    const ip = vipAddress(vip);
    const addr = parseIp(ip.text);
    if (!addr) return `${ip.text} is not an address`;
    const block = subnetBlock(to, addr.family);
    if (!block) {
      const field = addr.family === 6 ? 'aws.subnetIpv6Cidr' : 'aws.subnetCidr';
      return `node ${to.id} has no ${field} for ${ip.text}${aws.subnetCidr ? ` (aws.subnetCidr ${aws.subnetCidr} is IPv${addr.family === 6 ? 4 : 6})` : ''}; a secondary private IP moves only within one subnet`;
    }
    if (!prefixContains(block.prefix, addr))
      return `${ip.text} is outside node ${to.id}'s subnet ${block.text}; a secondary private IP moves only within one subnet`;
    return undefined;
  }

  async observe(f: Frame, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const v4 = vips.filter((v) => vipAddress(v).family === 4);
    const v6 = vips.filter((v) => vipAddress(v).family === 6);
    const out = new Map<string, Holding>();
    if (v4.length > 0) {
      const holders = await this.holdersOf(
        f,
        v4.map((v) => vipAddress(v).text),
      );
      for (const v of v4) out.set(v.name, this.deps.enis.holding(holders.get(vipAddress(v).text)));
    }
    if (v6.length > 0) for (const [name, h] of await observeIpv6(this.deps, f, v6)) out.set(name, h);
    return out;
  }

  /**
   * Who holds each address. Asking by address costs a call per 100 addresses (103 calls, 12 s at
   * 120 ms each, for 10,240 VIPs: over observe's deadline and the Describe* request bucket of 100).
   * Past one call's worth, the subnets the addresses live in are listed instead: an address can
   * only be on an interface of its own subnet, so the answer for the addresses asked is the same,
   * in one call per subnet page (1,000 interfaces).
   */
  private async holdersOf(f: Frame, ips: readonly string[]): Promise<Map<string, string>> {
    const { api, enis } = this.deps;
    const bySubnet = ips.map((ip) => enis.subnetOf(ip));
    const known = ips.filter((_, i) => bySubnet[i] !== undefined);
    if (known.length <= FILTER_CHUNK) return api.privateIpHolders(f, ips);
    const rest = ips.filter((_, i) => bySubnet[i] === undefined);
    const listed = await api.privateIpsInSubnets(f, [...new Set(bySubnet.filter((s): s is string => s !== undefined))]);
    const holders = new Map<string, string>();
    for (const ip of known) {
      const eni = listed.get(ip);
      if (eni !== undefined) holders.set(ip, eni);
    }
    if (rest.length > 0) for (const [ip, eni] of await api.privateIpHolders(f, rest)) holders.set(ip, eni);
    return holders;
  }

  async move(f: Frame, vip: Vip, to: NodeSpec): Promise<MoveOutcome> {
    const ip = vipAddress(vip);
    const eni = to.aws!.eni!;
    if (ip.family === 6) return moveIpv6(this.deps, f, ip.text, eni);
    const { api } = this.deps;
    const holderNow = async () => (await api.privateIpHolders(f, [ip.text])).get(ip.text);
    const before = await holderNow();
    if (before === eni) return { changed: false, verifiedAt: f.clock.now() };
    await api.assignPrivateIp(f, eni, ip.text);
    await f.poll(`${ip.text} on ${eni}`, holderNow, (seen) => holderVerdict(seen, eni, before, ip.text));
    return { changed: true, verifiedAt: f.clock.now(), detail: `${ip.text}: ${before ?? 'unassigned'} → ${eni}` };
  }
}
