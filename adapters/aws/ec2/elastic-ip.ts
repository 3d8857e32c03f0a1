import type { NodeSpec, Vip } from '../../../core/config';
import type { Holding } from '../../../core/ports';
import type { EipAssociation } from './api';
import type { Frame, MoveOutcome, PollVerdict } from '../frame';
import type { Ec2Kind, KindDeps } from './kind';

/**
 * `aws-elastic-ip`: an Elastic IP associated with the owner's interface.
 *
 * Observe: DescribeAddresses by AllocationId.N (an allocation EC2 does not know fails the observe
 * as not-found: a config naming a released address is an error to show, not "nobody").
 * Move: the same read;
 * when the association is elsewhere, AssociateAddress with AllocationId, NetworkInterfaceId, the
 * node's `aws.privateIp` when set (EC2 takes the primary otherwise) and AllowReassociation=true
 * always sent explicitly; then DescribeAddresses until the association shows (eventual consistency).
 */
export class ElasticIpKind implements Ec2Kind {
  readonly kind = 'aws-elastic-ip' as const;

  constructor(private readonly deps: KindDeps) {}

  refuse(vip: Vip, to: NodeSpec): string | undefined {
    if (!vip.aws?.allocationId) return `VIP ${vip.name} has no aws.allocationId`;
    if (!to.aws?.eni) return `node ${to.id} has no aws.eni to associate ${vip.name} with`;
    return undefined;
  }

  async observe(f: Frame, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const ids = vips.flatMap((v) => (v.aws?.allocationId ? [v.aws.allocationId] : []));
    const found = ids.length > 0 ? await this.deps.api.eipAssociations(f, ids) : new Map<string, EipAssociation>();
    return new Map(
      vips.map((v) => [
        v.name,
        this.deps.enis.holding(v.aws?.allocationId ? found.get(v.aws.allocationId)?.eni : undefined),
      ]),
    );
  }

  async move(f: Frame, vip: Vip, to: NodeSpec): Promise<MoveOutcome> {
    const allocationId = vip.aws!.allocationId!;
    const eni = to.aws!.eni!;
    const privateIp = to.aws?.privateIp;
    const now = async () => (await this.deps.api.eipAssociations(f, [allocationId])).get(allocationId) ?? {};
    const before = await now();
    const there = (a: EipAssociation) => a.eni === eni && (privateIp === undefined || a.privateIp === privateIp);
    if (there(before)) return { changed: false, verifiedAt: f.clock.now() };
    await this.deps.api.associateAddress(f, allocationId, eni, privateIp);
    await f.poll(`${allocationId} on ${eni}`, now, (seen): PollVerdict => {
      if (there(seen)) return 'done';
      if (seen.eni === undefined || (seen.eni === before.eni && seen.privateIp === before.privateIp)) return 'wait';
      return {
        conflict: `${allocationId} is now associated with ${seen.eni} ${seen.privateIp ?? ''}, not ${eni} (asked for) nor ${before.eni ?? 'nothing'} (before)`,
      };
    });
    return {
      changed: true,
      verifiedAt: f.clock.now(),
      detail: `${allocationId}: ${describe(before)} → ${eni}${privateIp ? ` ${privateIp}` : ''}`,
    };
  }
}

function describe(a: EipAssociation): string {
  return a.eni ? `${a.eni}${a.privateIp ? ` ${a.privateIp}` : ''}` : 'unassociated';
}
