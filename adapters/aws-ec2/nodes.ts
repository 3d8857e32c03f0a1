import type { NodeSpec } from '../../core/config';
import type { Holding } from '../../core/ports';

/**
 * The config's nodes as EC2 knows them: by network interface. An interface that no node names
 * is reported as a foreign holder, so the control loop sees drift instead of "nobody".
 */
export class EniDirectory {
  private readonly nodeByEni = new Map<string, string>();

  constructor(nodes: readonly NodeSpec[]) {
    for (const n of nodes) if (n.aws?.eni) this.nodeByEni.set(n.aws.eni, n.id);
  }

  holding(eni: string | undefined): Holding {
    if (eni === undefined) return { node: null };
    const node = this.nodeByEni.get(eni);
    return node === undefined ? { node: null, foreign: eni } : { node };
  }
}
