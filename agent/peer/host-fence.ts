import type { Logger } from 'pino';
import type { Reconciler } from '../reconcile';
import { selfCommand } from '../self-command';
import { Fence } from './fence';
import { raisePriority } from './priority';

/** The fence as an agent drives it: what it must know, pinged often enough, stopped with the agent. */
export interface HostFence {
  /** This node is about to own `vips` (before the reconciler may bind them); no argument: ping. */
  feed(vips?: readonly string[]): void;
  /** Resolves once the fence reads its pipe; stops it and rejects with `why` if it does not start. */
  ready(why: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `ipferry fence` for what the reconciler holds or is about to own (those `covered`), and
 * pings it at twice the heartbeat rate so that one late ping never looks like a frozen agent.
 * Used by peer mode (every address) and witnessed liveness (addresses only the host carries).
 */
export function startHostFence(o: {
  reconciler: Reconciler;
  leaseMs: number;
  heartbeatMs: number;
  logger: Logger;
  covered?: (vip: string) => boolean;
}): HostFence {
  // An agent that plumbs a real host (the only kind with a fence) runs ahead of ordinary processes,
  // and so does its fence, started next: both judge time against a lease.
  raisePriority(o.logger);
  const fence = Fence.start({ self: selfCommand(), leaseMs: o.leaseMs, logger: o.logger });
  // What the fence may have to remove: what is bound, and what is owned (it may be bound any moment).
  let owning: readonly string[] = [];
  const feed = (next: readonly string[] = owning): void => {
    owning = next;
    const names = new Set([...o.reconciler.held(), ...owning]);
    fence.update(
      o.reconciler.managed.filter((m) => names.has(m.name) && (o.covered?.(m.name) ?? true)).map((m) => m.addr),
    );
  };
  const pinger = setInterval(() => feed(), Math.max(20, Math.floor(o.heartbeatMs / 2)));
  const stop = async () => {
    clearInterval(pinger);
    await fence.stop();
  };
  return {
    feed,
    stop,
    async ready(why) {
      try {
        await fence.ready;
      } catch (err) {
        await stop();
        throw new Error(`${why}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
