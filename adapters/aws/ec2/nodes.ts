import type { NodeSpec } from '../../../core/config';
import { parseIp, parsePrefix, prefixContains, type Prefix } from '../../../core/ip';
import type { Holding } from '../../../core/ports';

/**
 * The config's nodes as EC2 knows them: by network interface. An interface that no node names
 * is reported as a foreign holder, so the control loop sees drift instead of "nobody".
 */
export class EniDirectory {
  private readonly nodeByEni = new Map<string, string>();
  /** The IPv4 subnets the config names (id and block), to list a subnet's interfaces instead of asking by address. */
  private readonly subnets4: Array<{ id: string; block: Prefix }> = [];

  constructor(nodes: readonly NodeSpec[]) {
    const seen = new Set<string>();
    for (const n of nodes) {
      if (n.aws?.eni) this.nodeByEni.set(n.aws.eni, n.id);
      const block = n.aws?.subnetCidr ? parsePrefix(n.aws.subnetCidr) : undefined;
      if (n.aws?.subnetId && block?.family === 4 && !seen.has(n.aws.subnetId)) {
        seen.add(n.aws.subnetId);
        this.subnets4.push({ id: n.aws.subnetId, block });
      }
    }
  }

  /**
   * The subnet id whose block holds this IPv4 address, when the config names one. A private IPv4
   * address can only ever be on an interface of the subnet whose block contains it.
   */
  subnetOf(ip: string): string | undefined {
    const addr = parseIp(ip);
    if (addr?.family !== 4) return undefined;
    return this.subnets4.find((s) => prefixContains(s.block, addr))?.id;
  }

  holding(eni: string | undefined): Holding {
    if (eni === undefined) return { node: null };
    const node = this.nodeByEni.get(eni);
    return node === undefined ? { node: null, foreign: eni } : { node };
  }
}
