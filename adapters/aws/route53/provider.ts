import type { NodeSpec, Vip, VipKind } from '../../../core/config';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../../core/ports';
import { KindTable, refusalOf } from '../../provider-kit/kinds';
import { runMove, runRead, type Frame } from '../frame';
import { Route53Core, recordKey, type Route53Options } from './core';
import type { PublicAddressPort } from './owner-address';
import { OwnerRecordKind } from './owner-record';

/** 60 s of documented propagation, the change and the read-back around it, and room for a retry. */
export const ROUTE53_MOVE_DEADLINE_MS = 90_000;

/**
 * The Route 53 provider: its one kind, `aws-route53` owner records (owner-record.ts), assembled as
 * every provider's kinds are. What it adds around the kind: the Route 53 frame, a lock per record
 * name (shared with the round-robin publisher through Route53Core, so the two never race on one
 * record) and `diagnose`, which follows changes accepted but not yet INSYNC.
 */
export class Route53Provider implements Provider {
  readonly name = 'aws-route53';
  readonly kinds: readonly VipKind[];
  readonly core: Route53Core;
  private readonly owner: OwnerRecordKind;
  private readonly table: KindTable<Frame>;
  /** Closed with the provider. */
  private readonly publicAddresses: PublicAddressPort | undefined;

  constructor(
    options: Route53Options & {
      nodes: readonly NodeSpec[];
      core?: Route53Core;
      /** EC2's view of a node's public IPv4 (one read per move); without it the configured address is published. */
      publicAddresses?: PublicAddressPort;
    },
  ) {
    this.core = options.core ?? new Route53Core(options);
    this.owner = new OwnerRecordKind(this.core, options.nodes, options.publicAddresses);
    this.table = new KindTable<Frame>([this.owner]);
    this.kinds = this.table.kinds;
    this.publicAddresses = options.publicAddresses;
  }

  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const { value } = await runRead(this.core.frame, this.core.observeTimeoutMs, (f) => this.table.observe(f, vips));
    return value;
  }

  async move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult> {
    const what = `move ${vip.name} to ${to.id}`;
    const handler = this.table.get(vip.kind);
    const refusal = handler ? refusalOf(handler, vip, to) : `kind ${vip.kind} is not served by ${this.name}`;
    if (!handler || refusal) return { ok: false, reason: 'invalid', message: `${what}: ${refusal}`, calls: 0 };
    const key = recordKey(vip.aws!.hostedZoneId!, vip.aws!.recordName!);
    return this.core.lock.run(key, () => runMove(this.core.frame, ctx, what, (f) => handler.move(f, vip, to, ctx)));
  }

  /**
   * Owner-record changes accepted but not yet INSYNC: one GetChange each (background budget), a
   * diagnostic per change still PENDING — resolvers may still answer the old address — and none
   * once Route 53 says INSYNC. Never a second change: the first one is applied atomically already.
   */
  async diagnose(vips: readonly Vip[]): Promise<Array<{ vip: string; nodes: string[]; message: string }>> {
    const names = new Set(vips.map((v) => v.name));
    const followed = [...this.owner.pending].filter(([, p]) => names.has(p.vip));
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
          if (this.owner.pending.get(key) === p) this.owner.pending.delete(key);
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
}
