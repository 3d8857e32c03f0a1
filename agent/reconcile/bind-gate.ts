import { canonicalIp } from '../../core/ip';
import type { ManagedVip } from './managed';

/** Whether the provider has put an address on this host's interface yet, so binding it can work. */
export type GateAnswer = { ready: true } | { ready: false; detail: string };

export interface BindGate {
  check(vip: ManagedVip): Promise<GateAnswer>;
}

export interface SecondaryIpGateOptions {
  /** The private IPv4 addresses EC2 has assigned to this node's ENI (IMDS `local-ipv4s` of its MAC). */
  localIpv4s: () => Promise<string[]>;
  /**
   * The IPv6 addresses EC2 has assigned to the ENI (IMDS `ipv6s` of its MAC). An IPv6 VIP is
   * compared with these, never with `local-ipv4s`; without this source it waits, saying why.
   */
  ipv6s?: () => Promise<string[]>;
  now: () => number;
  /** One IMDS read serves every VIP checked within this long (a round checks them together). */
  cacheMs?: number;
}

/**
 * AssignPrivateIpAddresses is asynchronous: the control plane's answer can say "yours" before EC2
 * routes the address to this ENI. Binding before then would answer ARP for an address the VPC
 * still delivers elsewhere, so an aws-secondary-ip VIP is bound only once IMDS lists it on this
 * ENI. Other kinds pass straight through. A failed IMDS read keeps the VIP waiting, with the reason.
 */
export class SecondaryIpGate implements BindGate {
  private readonly cached = new Map<4 | 6, { at: number; addresses: Promise<string[]> }>();

  constructor(private readonly options: SecondaryIpGateOptions) {}

  async check(vip: ManagedVip): Promise<GateAnswer> {
    if (vip.vip.kind !== 'aws-secondary-ip') return { ready: true };
    const family = vip.addr.family;
    const list = family === 6 ? 'ipv6s' : 'local-ipv4s';
    const source = family === 6 ? this.options.ipv6s : this.options.localIpv4s;
    if (!source)
      return {
        ready: false,
        detail: `no IMDS ${list} source was given to the bind gate, so ${vip.addr.address} cannot be confirmed`,
      };
    let addresses: string[];
    try {
      addresses = await this.read(family, source);
    } catch (err) {
      this.cached.delete(family);
      return { ready: false, detail: `cannot read ${list} from IMDS: ${(err as Error).message}` };
    }
    // IPv6 text has many spellings (IMDS may not compress as the config does): compare canonically.
    const want = canonicalIp(vip.addr.address) ?? vip.addr.address;
    if (addresses.some((a) => (canonicalIp(a) ?? a) === want)) return { ready: true };
    return {
      ready: false,
      detail: `EC2 has not assigned ${vip.addr.address} to this ENI yet (IMDS ${list}: ${addresses.join(', ') || 'none'})`,
    };
  }

  private read(family: 4 | 6, source: () => Promise<string[]>): Promise<string[]> {
    const now = this.options.now();
    const hit = this.cached.get(family);
    if (hit && now - hit.at < (this.options.cacheMs ?? 500)) return hit.addresses;
    const fresh = { at: now, addresses: source() };
    this.cached.set(family, fresh);
    return fresh.addresses;
  }
}

/**
 * Every VIP may be bound at once: LANs and the providers whose move is done before the answer.
 * Hetzner's kinds are among those: the control plane answers "yours" only after reading back the
 * floating IP's server (or the alias list, or the failover route), and no on-host source lists
 * floating IPs (the metadata service shows the server's own public IPv4 and private networks). An
 * IPv6 floating IP's VIP is the host address inside its /64 (config-checked), bound as written.
 */
export const openGate: BindGate = { check: async () => ({ ready: true }) };
