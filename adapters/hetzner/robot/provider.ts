import pino, { type Logger } from 'pino';
import type { NodeSpec, Vip } from '../../../core/config/model';
import type { VipKind } from '../../../core/config/vips';
import { canonicalIp } from '../../../core/ip';
import type { Budget, Holding, MoveContext, MoveResult, Provider } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { refused, runMove, type FrameOptions, type MoveFrame, type MoveOutcome } from '../frame';
import { retryableReason, withRetry } from '../../../lib/retry';
import type { CallOptions, HetznerRobotClient } from './client';
import type { Failover } from './schemas';

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
 * Hetzner Robot failover IPs: `POST /failover/{ip}` routes the address to a dedicated server's
 * main IP (or IPv6 net). Switches are scarce (50 per hour per account), so a move reads first,
 * switches only when the route points elsewhere, and does not even try when the budget is spent.
 */
export class HetznerRobotProvider implements Provider {
  readonly name = 'hetzner-robot';
  readonly kinds: readonly VipKind[] = ['hetzner-robot-failover-ip'];
  private readonly nodeByTarget = new Map<string, string>();
  private readonly frame: FrameOptions;
  private readonly routingMaxMs: number;
  readonly driftIntervalMs: number;

  constructor(private readonly options: HetznerRobotProviderOptions) {
    for (const n of options.nodes) {
      const ip = n.hetzner?.robotServerIp === undefined ? undefined : canonicalIp(n.hetzner.robotServerIp);
      if (ip !== undefined) this.nodeByTarget.set(ip, n.id);
    }
    // Reads are scarce too (100 an hour): read-backs start at 2 s and slow to 10 s.
    const pollMs = options.verifyPollMs ?? 2000;
    this.routingMaxMs = options.routingMaxMs ?? 60_000;
    this.driftIntervalMs = options.driftIntervalMs ?? 300_000;
    this.frame = {
      clock: options.client.clock,
      logger: options.logger ?? pino({ enabled: false }),
      pollMs,
      pollMaxMs: Math.max(pollMs, 10_000),
      ...(options.random ? { random: options.random } : {}),
    };
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
    const refused = checkRequest(vip, to);
    if (refused) return { ok: false, reason: 'invalid', message: refused, calls: 0 };
    const budget = this.budget();
    if (budget.remaining === 0) {
      const message = `no failover switches left this hour (limit ${budget.limit}); next at ${budget.resetAt === null ? 'unknown' : new Date(budget.resetAt).toISOString()}`;
      logger.warn({ budget }, 'move refused: switch budget spent');
      return { ok: false, reason: 'throttled', message, calls: 0 };
    }
    const result = await runMove({ ...this.frame, logger }, ctx, (f) =>
      this.switch(vip.ip!.text, canonicalIp(to.hetzner!.robotServerIp!)!, f),
    );
    if (result.ok) logger.info({ changed: result.changed, calls: result.calls }, 'moved');
    return result;
  }

  /**
   * Read; switch only if the route points elsewhere; read back. A switch is never repeated while it
   * may still be routing: FAILOVER_LOCKED (a switch in progress) is waited out by paced reads, and a
   * POST that timed out or answered FAILOVER_NOT_COMPLETE is followed by reads until the route
   * shows (each repeat would meet FAILOVER_LOCKED and spend another of the 50 switches an hour).
   */
  private async switch(ip: string, target: string, frame: MoveFrame): Promise<MoveOutcome> {
    const { client } = this.options;
    const opts: CallOptions = { calls: frame.calls, signal: frame.signal };
    const read = () => frame.retry(() => client.getFailover(ip, opts), retryableReason);
    const before = await read();
    if (before.active_server_ip === target)
      return { changed: false, verifiedAt: frame.clock.now(), detail: `${ip} is already routed to ${target}` };
    let changed = false;
    // The route as last seen before our switch: a read-back showing anything else is someone else's.
    let was = before.active_server_ip;
    // When our last switch was sent: the read-back below gives it the routing time.
    let sentAt = frame.clock.now();
    for (let posts = 0; ; posts++) {
      if (posts >= MAX_SWITCHES_PER_MOVE)
        throw new ProviderError('transient', `${ip}: ${posts} switches did not route it to ${target}`, {
          code: 'FAILOVER_FAILED',
        });
      // A refused switch (403 RATE_LIMIT_EXCEEDED) did not happen: waiting Robot's hint and sending it again is safe.
      const sent = await frame.retry(
        () => {
          this.spendableOrThrow();
          sentAt = frame.clock.now();
          return this.post(ip, target, opts);
        },
        (err) => err instanceof ProviderError && err.reason === 'throttled',
      );
      if (sent.kind === 'routed' || sent.kind === 'already') {
        changed = sent.kind === 'routed';
        break;
      }
      if (sent.kind === 'failed') continue; // FAILOVER_FAILED: Robot says it did not happen
      if (sent.kind === 'locked') {
        const settled = await this.awaitLock(ip, target, was, frame, read, sent.error);
        if (settled.kind === 'routed') break;
        was = settled.seen;
        continue;
      }
      // In doubt: ours may still be routing. Read until it shows; never switch again.
      changed = true;
      this.frame.logger.warn({ ip, err: sent.error.message }, 'switch in doubt: reading, not switching again');
      break;
    }
    // Robot locks the address while our switch routes (anyone else's switch meets FAILOVER_LOCKED),
    // so until our switch must have finished, a route that is neither ours nor `was` is not a
    // later mover: it is a switch that finished between our read and our POST (two movers racing).
    // Calling that a conflict gave up on a switch still routing — it then landed after we said so.
    const routedBy = sentAt + this.routingMaxMs;
    await frame.poll(
      `${ip} routed to ${target} (a switch in doubt is not repeated)`,
      () => client.getFailover(ip, opts),
      (f) => {
        if (f.active_server_ip === target) return 'done';
        if (f.active_server_ip === was || frame.clock.now() < routedBy) return 'wait';
        return {
          conflict: `it is now routed to ${this.describe(f)}, by someone else, after our switch had time to route`,
        };
      },
      retryableReason,
    );
    return { changed, verifiedAt: frame.clock.now() };
  }

  private async post(ip: string, target: string, opts: CallOptions): Promise<SwitchSent> {
    try {
      const r = await this.options.client.routeFailover(ip, target, opts);
      return r.changed ? { kind: 'routed' } : { kind: 'already' };
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      const code = err.details.code;
      if (code === 'FAILOVER_LOCKED') return { kind: 'locked', error: err };
      if (code === 'FAILOVER_FAILED') return { kind: 'failed', error: err };
      // A deadline abort ends the move; a timeout, a reset, a 5xx or FAILOVER_NOT_COMPLETE leave it unknown.
      if (code === 'deadline' || code === 'aborted' || refused(err)) {
        if (code === 'FAILOVER_NOT_COMPLETE') return { kind: 'doubt', error: err };
        throw err;
      }
      return { kind: 'doubt', error: err };
    }
  }

  /**
   * Someone's switch is routing the address (FAILOVER_LOCKED). Robot shows no lock on a read, so
   * read, paced, until the route changes or the longest documented routing time has passed.
   */
  private async awaitLock(
    ip: string,
    target: string,
    was: string | null,
    frame: MoveFrame,
    read: () => Promise<Failover>,
    locked: ProviderError,
  ): Promise<{ kind: 'routed' } | { kind: 'free'; seen: string | null }> {
    const { clock } = frame;
    const until = clock.now() + this.routingMaxMs;
    let pause = this.frame.pollMs;
    for (;;) {
      if (clock.now() + pause >= frame.deadline) {
        throw new ProviderError('conflict', `${locked.message}; ${ip} was still being routed at the move's deadline`, {
          code: 'FAILOVER_LOCKED',
        });
      }
      await clock.sleep(pause, frame.signal);
      const now = (await read()).active_server_ip;
      if (now === target) return { kind: 'routed' };
      if (now !== was || clock.now() >= until) return { kind: 'free', seen: now };
      pause = Math.min(this.frame.pollMaxMs, pause * 2);
    }
  }

  /** Inside a move's retries a spent budget is a wait (as long as Robot said), not a call. */
  private spendableOrThrow(): void {
    const b = this.budget();
    if (b.remaining !== 0) return;
    const now = this.options.client.clock.now();
    const waitMs = Math.max(1, (b.resetAt ?? now + 72_000) - now);
    throw new ProviderError('throttled', `no failover switches left this hour (limit ${b.limit})`, {
      code: 'RATE_LIMIT_EXCEEDED',
      retryAfterMs: waitMs,
    });
  }

  async observe(vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const { client } = this.options;
    const read = <T>(op: () => Promise<T>) =>
      withRetry(op, {
        clock: this.frame.clock,
        deadlineMs: this.options.observeDeadlineMs ?? 10_000,
        shouldRetry: retryableReason,
        ...(this.options.random ? { random: this.options.random } : {}),
      });
    const out = new Map<string, Holding>();
    for (const v of vips)
      if (v.kind !== 'hetzner-robot-failover-ip' || !v.ip)
        throw new ProviderError('invalid', `VIP ${v.name} is not a Robot failover IP with an address`, {
          code: 'unsupported_kind',
        });
    if (vips.length === 1) {
      const f = await read(() => client.getFailover(vips[0]!.ip!.text));
      out.set(vips[0]!.name, this.holding(f));
      return out;
    }
    const all = vips.length === 0 ? [] : await read(() => client.listFailovers());
    for (const v of vips) {
      const f = all.find((x) => canonicalIp(x.ip) === v.ip!.text);
      if (!f)
        throw new ProviderError('not-found', `failover IP ${v.ip!.text} (VIP ${v.name}) is not in the Robot account`, {
          code: 'NOT_FOUND',
        });
      out.set(v.name, this.holding(f));
    }
    return out;
  }

  private holding(f: Failover): Holding {
    if (f.active_server_ip === null) return { node: null };
    const node = this.nodeByTarget.get(canonicalIp(f.active_server_ip) ?? f.active_server_ip);
    return node === undefined ? { node: null, foreign: `server ${f.active_server_ip}` } : { node };
  }

  private describe(f: Failover): string {
    const h = this.holding(f);
    return h.node ?? h.foreign ?? 'nowhere';
  }
}

const MAX_SWITCHES_PER_MOVE = 3;

type SwitchSent =
  | { kind: 'routed' }
  | { kind: 'already' }
  | { kind: 'locked'; error: ProviderError }
  | { kind: 'failed'; error: ProviderError }
  | { kind: 'doubt'; error: ProviderError };

/** Refusals that need no call (and so spend no switch): what Robot would answer INVALID_INPUT to. */
function checkRequest(vip: Vip, to: NodeSpec): string | undefined {
  if (vip.kind !== 'hetzner-robot-failover-ip' || !vip.ip)
    return `VIP ${vip.name} is not a Robot failover IP with an address`;
  const raw = to.hetzner?.robotServerIp;
  const target = raw === undefined ? undefined : canonicalIp(raw);
  if (target === undefined) return `node ${to.id} has no hetzner.robotServerIp to route ${vip.name} to`;
  // The only topology Robot has: an IPv4 failover IP routes to a main IPv4, an IPv6 net to an IPv6 net (any location).
  if (target.includes(':') !== (vip.ip.family === 6)) {
    return `node ${to.id}'s robotServerIp ${target} is IPv${target.includes(':') ? 6 : 4}, but ${vip.ip.text} is IPv${vip.ip.family}: Robot routes a failover address only to a server address of its own family`;
  }
  return undefined;
}
