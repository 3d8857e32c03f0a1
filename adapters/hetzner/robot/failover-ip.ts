import type { Logger } from 'pino';
import type { NodeSpec, Vip } from '../../../core/config/model';
import { canonicalIp } from '../../../core/ip';
import type { Holding } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { retryableReason } from '../../../lib/retry';
import type { KindHandler } from '../../provider-kit/kinds';
import { refused, type MoveFrame, type MoveOutcome, type Reader } from '../frame';
import type { CallOptions, HetznerRobotClient } from './client';
import type { Failover } from './schemas';

/** What the failover-IP kind needs of its provider. */
export interface FailoverIpDeps {
  client: HetznerRobotClient;
  /** A route's target (canonical server address) → the node it is. */
  nodeByTarget: ReadonlyMap<string, string>;
  /** The provider's logger. */
  logger: Logger;
  /** Read-backs and lock waits: first pause, doubling up to pollMaxMs. */
  pollMs: number;
  pollMaxMs: number;
  /** The longest a switch routes: how long a FAILOVER_LOCKED is waited out. */
  routingMaxMs: number;
}

/**
 * `hetzner-robot-failover-ip`: `POST /failover/{ip}` routes the address to a dedicated server's
 * main IP (or IPv6 net). Switches are scarce (50 per hour per account), so a move reads first and
 * switches only when the route points elsewhere. Observe: one GET for a single VIP, the account's
 * list for several.
 */
export class FailoverIpKind implements KindHandler<MoveFrame, Reader> {
  readonly kind = 'hetzner-robot-failover-ip' as const;

  constructor(private readonly deps: FailoverIpDeps) {}

  refuse(vip: Vip, to: NodeSpec): string | undefined {
    return checkRequest(vip, to);
  }

  move(frame: MoveFrame, vip: Vip, to: NodeSpec): Promise<MoveOutcome> {
    return this.switch(vip.ip!.text, canonicalIp(to.hetzner!.robotServerIp!)!, frame);
  }

  async observe(read: Reader, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const { client } = this.deps;
    const out = new Map<string, Holding>();
    for (const v of vips) if (!v.ip) throw notFailoverIp(v);
    if (vips.length === 1) {
      const f = await read(() => client.getFailover(vips[0]!.ip!.text));
      out.set(vips[0]!.name, this.holding(f));
      return out;
    }
    const all = await read(() => client.listFailovers());
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

  /**
   * Read; switch only if the route points elsewhere; read back. A switch is never repeated while it
   * may still be routing: FAILOVER_LOCKED (a switch in progress) is waited out by paced reads, and a
   * POST that timed out or answered FAILOVER_NOT_COMPLETE is followed by reads until the route
   * shows (each repeat would meet FAILOVER_LOCKED and spend another of the 50 switches an hour).
   */
  private async switch(ip: string, target: string, frame: MoveFrame): Promise<MoveOutcome> {
    const { client } = this.deps;
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
      this.deps.logger.warn({ ip, err: sent.error.message }, 'switch in doubt: reading, not switching again');
      break;
    }
    // Robot locks the address while our switch routes (anyone else's switch meets FAILOVER_LOCKED),
    // so until our switch must have finished, a route that is neither ours nor `was` is not a
    // later mover: it is a switch that finished between our read and our POST (two movers racing).
    // Calling that a conflict gave up on a switch still routing — it then landed after we said so.
    const routedBy = sentAt + this.deps.routingMaxMs;
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
      const r = await this.deps.client.routeFailover(ip, target, opts);
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
    const until = clock.now() + this.deps.routingMaxMs;
    let pause = this.deps.pollMs;
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
      pause = Math.min(this.deps.pollMaxMs, pause * 2);
    }
  }

  /** Inside a move's retries a spent budget is a wait (as long as Robot said), not a call. */
  private spendableOrThrow(): void {
    const b = this.deps.client.switchBudget();
    if (b.remaining !== 0) return;
    const now = this.deps.client.clock.now();
    const waitMs = Math.max(1, (b.resetAt ?? now + 72_000) - now);
    throw new ProviderError('throttled', `no failover switches left this hour (limit ${b.limit})`, {
      code: 'RATE_LIMIT_EXCEEDED',
      retryAfterMs: waitMs,
    });
  }

  private holding(f: Failover): Holding {
    if (f.active_server_ip === null) return { node: null };
    const node = this.deps.nodeByTarget.get(canonicalIp(f.active_server_ip) ?? f.active_server_ip);
    return node === undefined ? { node: null, foreign: `server ${f.active_server_ip}` } : { node };
  }

  private describe(f: Failover): string {
    const h = this.holding(f);
    return h.node ?? h.foreign ?? 'nowhere';
  }
}

function notFailoverIp(vip: Vip): ProviderError {
  return new ProviderError('invalid', `VIP ${vip.name} is not a Robot failover IP with an address`, {
    code: 'unsupported_kind',
  });
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
  if (vip.kind !== 'hetzner-robot-failover-ip' || !vip.ip) return notFailoverIp(vip).message;
  const raw = to.hetzner?.robotServerIp;
  const target = raw === undefined ? undefined : canonicalIp(raw);
  if (target === undefined) return `node ${to.id} has no hetzner.robotServerIp to route ${vip.name} to`;
  // The only topology Robot has: an IPv4 failover IP routes to a main IPv4, an IPv6 net to an IPv6 net (any location).
  if (target.includes(':') !== (vip.ip.family === 6)) {
    return `node ${to.id}'s robotServerIp ${target} is IPv${target.includes(':') ? 6 : 4}, but ${vip.ip.text} is IPv${vip.ip.family}: Robot routes a failover address only to a server address of its own family`;
  }
  return undefined;
}
