import type { NodeSpec, Vip } from '../../../core/config';
import { canonicalIp } from '../../../core/ip';
import type { Holding, MoveContext } from '../../../core/ports';
import type { KindHandler } from '../../provider-kit/kinds';
import type { Frame, MoveOutcome } from '../frame';
import { typeOf, type AddressRecords } from './api';
import { recordKey, type Route53Core } from './core';
import { currentOwnerAddress, ownerAddress, type PublicAddressPort } from './owner-address';
import { syncRecords } from './sync';

/** A change accepted but not seen INSYNC before its move's deadline, followed by `diagnose`. */
export interface PendingChange {
  vip: string;
  node: string;
  changeId: string;
  acceptedAt: number;
}

/**
 * `aws-route53`: one A or AAAA record (`vip.aws.recordName` in `vip.aws.hostedZoneId`, `ttl`)
 * pointing at the owner's address. Observe: ListResourceRecordSets from (name, A), mapping the
 * value back to the node with that address. Move: read; when the record is not exactly
 * [owner's address] with the VIP's TTL, one ChangeResourceRecordSets batch UPSERTs it (and DELETEs
 * a record of the other family, so a move from an IPv4 to an IPv6 owner leaves one record); then
 * GetChange until INSYNC and a read-back.
 */
export class OwnerRecordKind implements KindHandler<Frame> {
  readonly kind = 'aws-route53' as const;
  /**
   * Changes this process made that were accepted but not seen INSYNC before their move's deadline,
   * by record: the provider's `diagnose` (the drift round, plan --observe) follows them with
   * GetChange and reports each until Route 53 says INSYNC. Per process, as the change ids are.
   */
  readonly pending = new Map<string, PendingChange>();
  private readonly nodeByAddress = new Map<string, string>();
  /**
   * Addresses this process published for a node that EC2 gave instead of the configured one, so
   * `observe` knows the record as that node's and does not report it foreign (and move it again).
   */
  private readonly learned = new Map<string, string>();

  constructor(
    private readonly core: Route53Core,
    nodes: readonly NodeSpec[],
    private readonly publicAddresses: PublicAddressPort | undefined,
  ) {
    for (const n of nodes) {
      const a = ownerAddress(n);
      if (a !== undefined) this.nodeByAddress.set(canonicalIp(a) ?? a, n.id);
    }
  }

  refuse(vip: Vip, to: NodeSpec): string | undefined {
    if (!vip.aws?.hostedZoneId || !vip.aws.recordName)
      return `VIP ${vip.name} needs aws.hostedZoneId and aws.recordName`;
    const address = ownerAddress(to);
    if (address === undefined || canonicalIp(address) === undefined)
      return `node ${to.id} has no aws.publicIp or address for the record to point at`;
    return undefined;
  }

  /** VIPs without a zone and record name are left out (the config check names them). */
  async observe(f: Frame, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const out = new Map<string, Holding>();
    for (const vip of vips.filter((v) => v.aws?.hostedZoneId && v.aws.recordName)) {
      const records = await this.core.backgroundApi.addressRecords(f, vip.aws!.hostedZoneId!, vip.aws!.recordName!);
      out.set(vip.name, this.holding(records));
    }
    return out;
  }

  /** Runs under the record's lock (the provider's): one change of a record at a time in this process. */
  async move(f: Frame, vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveOutcome> {
    const zone = vip.aws!.hostedZoneId!;
    const name = vip.aws!.recordName!;
    const key = recordKey(zone, name);
    const configured = canonicalIp(ownerAddress(to)!)!;
    // Read inside the move: bounded by its deadline, counted in its calls, once per move.
    const ip = await currentOwnerAddress(f, to, configured, this.publicAddresses, this.core.frame.logger);
    const desired = { [typeOf(ip)]: { ttl: vip.aws?.ttl ?? 60, values: [ip] } };
    const outcome = await syncRecords(
      f,
      this.core.api,
      zone,
      name,
      desired,
      `ipferry: ${vip.name} → ${to.id} (epoch ${ctx.epoch})`,
      (changeId, acceptedAt) => this.pending.set(key, { vip: vip.name, node: to.id, changeId, acceptedAt }),
    );
    // The address is `to`'s now, whatever this process learned of it before (EC2 reuses its pool).
    if (ip !== configured) this.learned.set(ip, to.id);
    else this.learned.delete(ip);
    // INSYNC seen (or nothing to change: the record was already right): nothing left to follow.
    if (outcome.verifiedAt !== undefined && outcome.changed) this.pending.delete(key);
    return outcome;
  }

  /** One value that is a node's address: that node. Anything else is somebody else's record. */
  private holding(records: AddressRecords): Holding {
    const values = [...(records.A?.values ?? []), ...(records.AAAA?.values ?? [])];
    if (values.length === 0) return { node: null };
    const only = values.length === 1 ? values[0]! : undefined;
    const node = only === undefined ? undefined : (this.learned.get(only) ?? this.nodeByAddress.get(only));
    return node === undefined ? { node: null, foreign: values.join(' ') } : { node };
  }
}
