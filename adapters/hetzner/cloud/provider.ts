import pino, { type Logger } from 'pino';
import type { NodeSpec, Vip } from '../../../core/config/model';
import type { VipKind } from '../../../core/config/vips';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { KeyedLock } from '../../../lib/keyed-lock';
import { KindTable } from '../../provider-kit/kinds';
import { observeReader, runMove, type FrameOptions, type MoveFrame, type Reader } from '../frame';
import { AliasIpKind, type AliasEnv } from './alias-ip';
import type { HetznerCloudClient } from './client';
import { FloatingIpKind } from './floating-ip';

export interface HetznerCloudProviderOptions {
  client: HetznerCloudClient;
  /** The config's nodes: `hetzner.serverId` maps servers to nodes, `hetzner.networkId` finds alias networks. */
  nodes: readonly NodeSpec[];
  logger?: Logger;
  /** Between polls of a running action. Default 500 ms (each poll costs one request of 3600 per hour). */
  actionPollMs?: number;
  /** First pause between read-backs after a move; doubles up to 2 s. Default 200 ms. */
  verifyPollMs?: number;
  /** How long `observe` keeps retrying throttled or transient reads. Default 10 s. */
  observeDeadlineMs?: number;
  /** For backoff jitter. Default Math.random. */
  random?: () => number;
}

/**
 * Hetzner Cloud floating IPs and alias IPs, over one project token (one request budget: 3600 per
 * hour). `move` never throws: every failure comes back classified. `observe` throws a
 * ProviderError when the provider cannot answer (an unknown floating IP or network is not-found).
 */
export class HetznerCloudProvider implements Provider {
  readonly name = 'hetzner-cloud';
  readonly kinds: readonly VipKind[];
  /** One handler per kind: the shape every provider has (adapters/README.md). */
  private readonly table: KindTable<MoveFrame, Reader>;
  private readonly frame: FrameOptions;

  constructor(private readonly options: HetznerCloudProviderOptions) {
    const byServer = new Map<number, string>();
    for (const n of options.nodes) if (n.hetzner?.serverId !== undefined) byServer.set(n.hetzner.serverId, n.id);
    const logger = options.logger ?? pino({ enabled: false });
    const env: AliasEnv = {
      client: options.client,
      nodeOf: (serverId) => byServer.get(serverId),
      actionPollMs: options.actionPollMs ?? 500,
      locks: new KeyedLock(),
      logger,
      nodeNetworks: new Set(
        options.nodes.flatMap((n) => (n.hetzner?.networkId === undefined ? [] : [n.hetzner.networkId])),
      ),
    };
    this.table = new KindTable<MoveFrame, Reader>([new FloatingIpKind(env), new AliasIpKind(env)]);
    this.kinds = this.table.kinds;
    const pollMs = options.verifyPollMs ?? 200;
    this.frame = {
      clock: options.client.clock,
      logger,
      pollMs,
      pollMaxMs: Math.max(pollMs, 2000),
      ...(options.random ? { random: options.random } : {}),
    };
  }

  budget(): Budget {
    return this.options.client.budget();
  }

  /**
   * A floating IP is one action (seconds); an alias IP is two (off the old server, onto the new)
   * plus read-backs. A backup or snapshot locks a server for minutes: that is not waited out
   * inside one move — it fails `conflict` with the reason, and the control plane retries it.
   */
  moveDeadlineMs(kind: VipKind): number {
    return kind === 'hetzner-alias-ip' ? 45_000 : 30_000;
  }

  async move(vip: Vip, to: NodeSpec, ctx: MoveContext): Promise<MoveResult> {
    const logger = this.frame.logger.child({ vip: vip.name, kind: vip.kind, to: to.id, epoch: ctx.epoch });
    const frame = { ...this.frame, logger };
    let lastLocked: (() => ProviderError | undefined) | undefined;
    const moved = await runMove(frame, ctx, (f) => {
      lastLocked = f.lastLocked;
      const handler = this.table.get(vip.kind);
      if (handler) return handler.move(f, vip, to, ctx);
      throw new ProviderError('invalid', `the Hetzner Cloud provider does not move VIPs of kind ${vip.kind}`, {
        code: 'unsupported_kind',
      });
    });
    // Waiting out a lock until the deadline is still the lock's doing: say so, whichever call the deadline cut.
    const lock = !moved.ok && moved.reason === 'transient' ? lastLocked?.() : undefined;
    const result: MoveResult =
      lock && !moved.ok
        ? { ...moved, reason: 'conflict', message: `${lock.message} until the move's deadline (${moved.message})` }
        : moved;
    if (result.ok) logger.info({ changed: result.changed, calls: result.calls, gapMs: result.gapMs }, 'moved');
    if (!result.ok && result.reason === 'conflict' && /\blocked\b/.test(result.message)) {
      const hint =
        'a server is locked by a running action (a backup or snapshot holds it for minutes); the address moves once it ends, and the control plane retries';
      return { ...result, message: `${result.message} — ${hint}` };
    }
    return result;
  }

  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const other = this.table.unserved(vips)[0];
    if (other)
      throw new ProviderError('invalid', `the Hetzner Cloud provider does not observe VIPs of kind ${other.kind}`, {
        code: 'unsupported_kind',
      });
    return this.table.observe(observeReader(this.frame, this.options.observeDeadlineMs ?? 10_000), vips);
  }
}
