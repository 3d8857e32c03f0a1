import type { ManagedVip } from './managed';

/** Whether the provider has put an address on this host's interface yet, so binding it can work. */
export type GateAnswer = { ready: true } | { ready: false; detail: string };

export interface BindGate {
  check(vip: ManagedVip): Promise<GateAnswer>;
}

export interface SecondaryIpGateOptions {
  /** The private IPv4 addresses EC2 has assigned to this node's ENI (IMDS `local-ipv4s` of its MAC). */
  localIpv4s: () => Promise<string[]>;
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
  private cached: { at: number; addresses: Promise<string[]> } | undefined;

  constructor(private readonly options: SecondaryIpGateOptions) {}

  async check(vip: ManagedVip): Promise<GateAnswer> {
    if (vip.vip.kind !== 'aws-secondary-ip') return { ready: true };
    let addresses: string[];
    try {
      addresses = await this.read();
    } catch (err) {
      this.cached = undefined;
      return { ready: false, detail: `cannot read local-ipv4s from IMDS: ${(err as Error).message}` };
    }
    if (addresses.includes(vip.addr.address)) return { ready: true };
    return { ready: false, detail: `EC2 has not assigned ${vip.addr.address} to this ENI yet (IMDS local-ipv4s: ${addresses.join(', ') || 'none'})` };
  }

  private read(): Promise<string[]> {
    const now = this.options.now();
    if (!this.cached || now - this.cached.at >= (this.options.cacheMs ?? 500)) {
      this.cached = { at: now, addresses: this.options.localIpv4s() };
    }
    return this.cached.addresses;
  }
}

/** Every VIP may be bound at once: LANs and the providers whose move is done before the answer. */
export const openGate: BindGate = { check: async () => ({ ready: true }) };
