import pino, { type Logger } from 'pino';
import type { NodeSpec, Vip } from '../../../core/config/model';
import type { VipKind } from '../../../core/config/vips';
import { canonicalIp } from '../../../core/ip';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { KindTable, refusalOf } from '../../provider-kit/kinds';
import { observeReader, runMove, type FrameOptions, type MoveFrame, type Reader } from '../frame';
import type { HetznerRobotClient } from './client';
import { FailoverIpKind } from './failover-ip';

export interface HetznerRobotProviderOptions {
  client: HetznerRobotClient;
  /** The config's nodes: `hetzner.robotServerIp` maps a route's target to a node. */
  nodes: readonly NodeSpec[];
  logger?: Logger;
  /** First pause between read-backs after a switch; doubles up to 5 s. Default 1 s (routing takes 40–60 s). */
  verifyPollMs?: number;
  /** How long `observe` keeps retrying throttled or transient reads. Default 10 s. */
  observeDeadlineMs?: number;
  /**
   * How long one move may take (the control plane's deadline for this kind): the longest
   * documented switch (60 s), a lock left by another switch (up to 60 s more) and read-backs.
   * Default 150 s; community.hrobot allows a single switch 180 s.
   */
  moveDeadlineMs?: number;
  /** The longest a switch routes (Hetzner: 40-60 s): how long a FAILOVER_LOCKED is waited out. Default 60 s. */
  routingMaxMs?: number;
  /**
   * Least time between drift reads. Default 5 min: 12 reads an hour of the 100 Robot allows, so
   * moves and their read-backs keep most of the budget.
   */
  driftIntervalMs?: number;
  random?: () => number;
}

/**
 * Hetzner Robot failover IPs (failover-ip.ts), assembled as every provider's kinds are. Switches
 * are scarce (50 per hour per account): what the provider adds is not even trying a move when the
 * budget is spent, and a drift interval that keeps reads (100 an hour) for moves.
 */
export class HetznerRobotProvider implements Provider {
  readonly name = 'hetzner-robot';
  readonly kinds: readonly VipKind[];
  /** One handler per kind: the shape every provider has (adapters/README.md). */
  private readonly table: KindTable<MoveFrame, Reader>;
  private readonly frame: FrameOptions;
  readonly driftIntervalMs: number;

  constructor(private readonly options: HetznerRobotProviderOptions) {
    const nodeByTarget = new Map<string, string>();
    for (const n of options.nodes) {
      const ip = n.hetzner?.robotServerIp === undefined ? undefined : canonicalIp(n.hetzner.robotServerIp);
      if (ip !== undefined) nodeByTarget.set(ip, n.id);
    }
    // Reads are scarce too (100 an hour): read-backs start at 2 s and slow to 10 s.
    const pollMs = options.verifyPollMs ?? 2000;
    this.driftIntervalMs = options.driftIntervalMs ?? 300_000;
    this.frame = {
      clock: options.client.clock,
      logger: options.logger ?? pino({ enabled: false }),
      pollMs,
      pollMaxMs: Math.max(pollMs, 10_000),
      ...(options.random ? { random: options.random } : {}),
    };
    const failoverIp = new FailoverIpKind({
      client: options.client,
      nodeByTarget,
      logger: this.frame.logger,
      pollMs: this.frame.pollMs,
      pollMaxMs: this.frame.pollMaxMs,
      routingMaxMs: options.routingMaxMs ?? 60_000,
    });
    this.table = new KindTable<MoveFrame, Reader>([failoverIp]);
    this.kinds = this.table.kinds;
  }

  moveDeadlineMs(_kind: VipKind): number {
    return this.options.moveDeadlineMs ?? 150_000;
  }

  /** Switches left this hour, as far as this process knows. Readable before acting. */
  budget(): Budget {
    return this.options.client.switchBudget();
  }

  async move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult> {
    const logger = this.frame.logger.child({ vip: vip.name, kind: vip.kind, to: to.id, epoch: ctx.epoch });
    // A VIP of another kind gets the handler's words too: it is not a failover IP.
    const handler = this.table.get(vip.kind) ?? this.table.get('hetzner-robot-failover-ip')!;
    const refused = refusalOf(handler, vip, to);
    if (refused) return { ok: false, reason: 'invalid', message: refused, calls: 0 };
    const budget = this.budget();
    if (budget.remaining === 0) {
      const message = `no failover switches left this hour (limit ${budget.limit}); next at ${budget.resetAt === null ? 'unknown' : new Date(budget.resetAt).toISOString()}`;
      logger.warn({ budget }, 'move refused: switch budget spent');
      return { ok: false, reason: 'throttled', message, calls: 0 };
    }
    const result = await runMove({ ...this.frame, logger }, ctx, (f) => handler.move(f, vip, to, ctx));
    if (result.ok) logger.info({ changed: result.changed, calls: result.calls }, 'moved');
    return result;
  }

  /** Every VIP must be a failover IP with an address; one that is not fails the whole observe. */
  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const other = vips.find((v) => !this.table.get(v.kind) || !v.ip);
    if (other)
      throw new ProviderError('invalid', `VIP ${other.name} is not a Robot failover IP with an address`, {
        code: 'unsupported_kind',
      });
    return this.table.observe(observeReader(this.frame, this.options.observeDeadlineMs ?? 10_000), vips);
  }
}
