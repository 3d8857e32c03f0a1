import type { NodeSpec, Vip, VipKind } from '../../../core/config';
import { canonicalIp } from '../../../core/ip';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../../core/ports';
import { runMove, runRead } from '../frame';
import { typeOf, type AddressRecords } from './api';
import { Route53Core, recordKey, type Route53Options } from './core';
import { currentOwnerAddress, ownerAddress, type PublicAddressPort } from './owner-address';
import { syncRecords } from './sync';

/** 60 s of documented propagation, the change and the read-back around it, and room for a retry. */
export const ROUTE53_MOVE_DEADLINE_MS = 90_000;

/**
 * `aws-route53`: one A or AAAA record (`vip.aws.recordName` in `vip.aws.hostedZoneId`, `ttl`)
 * pointing at the owner's address. Observe: ListResourceRecordSets from (name, A), mapping the
 * value back to the node with that address. Move: read; when the record is not exactly
 * [owner's address] with the VIP's TTL, one ChangeResourceRecordSets batch UPSERTs it (and DELETEs
 * a record of the other family, so a move from an IPv4 to an IPv6 owner leaves one record); then
 * GetChange until INSYNC and a read-back.
 */
export class Route53Provider implements Provider {
  readonly name = 'aws-route53';
  readonly kinds: readonly VipKind[] = ['aws-route53'];
  readonly core: Route53Core;
  private readonly nodeByAddress = new Map<string, string>();
  /**
   * Addresses this process published for a node that EC2 gave instead of the configured one, so
   * `observe` knows the record as that node's and does not report it foreign (and move it again).
   */
  private readonly learned = new Map<string, string>();
  private readonly publicAddresses?: PublicAddressPort;
  /**
   * Changes this process made that were accepted but not seen INSYNC before their move's deadline,
   * by record: `diagnose` (the drift round, plan --observe) follows them with GetChange and reports
   * each until Route 53 says INSYNC. Per process, as the change ids are.
   */
  private readonly pending = new Map<string, { vip: string; node: string; changeId: string; acceptedAt: number }>();

  constructor(
    options: Route53Options & {
      nodes: readonly NodeSpec[];
      core?: Route53Core;
      /** EC2's view of a node's public IPv4 (one read per move); without it the configured address is published. */
      publicAddresses?: PublicAddressPort;
    },
  ) {
    this.core = options.core ?? new Route53Core(options);
    if (options.publicAddresses) this.publicAddresses = options.publicAddresses;
    for (const n of options.nodes) {
      const a = ownerAddress(n);
      if (a !== undefined) this.nodeByAddress.set(canonicalIp(a) ?? a, n.id);
    }
  }

  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const out = new Map<string, Holding>();
    await runRead(this.core.frame, this.core.observeTimeoutMs, async (f) => {
      for (const vip of vips.filter((v) => v.kind === 'aws-route53' && v.aws?.hostedZoneId && v.aws.recordName)) {
        out.set(
          vip.name,
          this.holding(await this.core.backgroundApi.addressRecords(f, vip.aws!.hostedZoneId!, vip.aws!.recordName!)),
        );
      }
    });
    return out;
  }

  async move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult> {
    const what = `move ${vip.name} to ${to.id}`;
    const zone = vip.aws?.hostedZoneId;
    const name = vip.aws?.recordName;
    const address = ownerAddress(to);
    const refusal =
      vip.kind !== 'aws-route53'
        ? `kind ${vip.kind} is not served by ${this.name}`
        : !zone || !name
          ? `VIP ${vip.name} needs aws.hostedZoneId and aws.recordName`
          : address === undefined || canonicalIp(address) === undefined
            ? `node ${to.id} has no aws.publicIp or address for the record to point at`
            : undefined;
    if (refusal) return { ok: false, reason: 'invalid', message: `${what}: ${refusal}`, calls: 0 };
    const configured = canonicalIp(address!)!;
    const key = recordKey(zone!, name!);
    return this.core.lock.run(key, async () => {
      const accepted = (changeId: string, acceptedAt: number) =>
        this.pending.set(key, { vip: vip.name, node: to.id, changeId, acceptedAt });
      let ip = configured;
      const result = await runMove(this.core.frame, ctx, what, async (f) => {
        // Read inside the move: bounded by its deadline, counted in its calls, once per move.
        ip = await currentOwnerAddress(f, to, configured, this.publicAddresses, this.core.frame.logger);
        const desired = { [typeOf(ip)]: { ttl: vip.aws?.ttl ?? 60, values: [ip] } };
        return syncRecords(
          f,
          this.core.api,
          zone!,
          name!,
          desired,
          `ipferry: ${vip.name} → ${to.id} (epoch ${ctx.epoch})`,
          accepted,
        );
      });
      // The address is `to`'s now, whatever this process learned of it before (EC2 reuses its pool).
      if (result.ok && ip !== configured) this.learned.set(ip, to.id);
      else if (result.ok) this.learned.delete(ip);
      // INSYNC seen (or nothing to change: the record was already right): nothing left to follow.
      if (result.ok && result.verifiedAt !== undefined && result.changed) this.pending.delete(key);
      return result;
    });
  }

  /**
   * Owner-record changes accepted but not yet INSYNC: one GetChange each (background budget), a
   * diagnostic per change still PENDING — resolvers may still answer the old address — and none
   * once Route 53 says INSYNC. Never a second change: the first one is applied atomically already.
   */
  async diagnose(vips: readonly Vip[]): Promise<Array<{ vip: string; nodes: string[]; message: string }>> {
    const names = new Set(vips.map((v) => v.name));
    const followed = [...this.pending].filter(([, p]) => names.has(p.vip));
    if (followed.length === 0) return [];
    const out: Array<{ vip: string; nodes: string[]; message: string }> = [];
    const { clock } = this.core.frame;
    await runRead(this.core.frame, this.core.observeTimeoutMs, async (f) => {
      for (const [key, p] of followed) {
        let status: string;
        try {
          status = await this.core.backgroundApi.changeStatus(f, p.changeId);
        } catch (err) {
          status = `unreadable (${err instanceof Error ? err.message : String(err)})`;
        }
        if (status === 'INSYNC') {
          if (this.pending.get(key) === p) this.pending.delete(key);
          continue;
        }
        const age = Math.round((clock.now() - p.acceptedAt) / 1000);
        out.push({
          vip: p.vip,
          nodes: [p.node],
          message: `${p.vip}: Route 53 change ${p.changeId} (to ${p.node}) accepted ${age} s ago is not in sync yet (GetChange: ${status}); resolvers may still answer the old address. It is not sent again`,
        });
      }
    });
    return out;
  }

  budget(): Budget {
    return this.core.budget();
  }

  /**
   * A move waits for INSYNC, which Route 53 documents as "within 60 seconds" of the change: the
   * control plane's 20 s default would report an accepted, propagating change as failed.
   */
  moveDeadlineMs(): number {
    return ROUTE53_MOVE_DEADLINE_MS;
  }

  close(): void {
    this.core.close();
    this.publicAddresses?.close?.();
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
