import type { Logger } from 'pino';
import type { NodeRecord } from '../../core/ports';
import type { NodeSession } from './ports';

/** A held node lease as this session needs it (adapters/etcd-store holdNodeLease's NodeLease). */
export interface HeldLease {
  readonly id: string;
  readonly ttlSeconds: number;
  alive(): boolean;
  release(): Promise<void>;
  abandon(): void;
}

/** The etcd calls a node session is made of (the etcd store and holdNodeLease, wired in runtime.ts). */
export interface SessionCalls {
  /** The node's record, kept with its replay guard (Store.putHeartbeat); throws when refused. */
  putRecord(record: NodeRecord): Promise<void>;
  /** A new node lease with the liveness key under it (holdNodeLease); `onLost` once when it ends. */
  holdLease(onLost: (reason: string) => void): Promise<HeldLease>;
}

/**
 * This node's session: its record written when the agent has news, and its node lease. The lease
 * itself — grant, liveness key, renewal every TTL/3, loss reported once — is holdNodeLease's
 * (adapters/etcd-store/node-lease.ts), the one implementation; what this adds is the agent's
 * policy: no lease until the first write, and after a loss a new lease at the next write.
 */
export function nodeSession(o: { calls: SessionCalls; logger: Logger }): NodeSession & {
  leaseId(): string | undefined;
} {
  let lease: HeldLease | undefined;
  let closed = false;

  return {
    leaseId: () => lease?.id,
    alive: () => !!lease && lease.alive(),
    async put(record) {
      if (closed) throw new Error('node session closed');
      await o.calls.putRecord(record);
      if (lease?.alive()) return;
      // Past its TTL but not yet reported lost: stop renewing it; etcd expires it.
      lease?.abandon();
      lease = undefined;
      const held: HeldLease = await o.calls.holdLease((why) => {
        if (lease !== held) return;
        o.logger.warn({ lease: held.id, why }, `node lease lost (${why}); a new one is granted at the next write`);
        lease = undefined;
      });
      if (closed) return void (await held.release());
      lease = held;
      o.logger.info({ lease: held.id, ttlSeconds: held.ttlSeconds }, 'node lease granted; this node is alive in etcd');
    },
    async close() {
      closed = true;
      const held = lease;
      lease = undefined;
      await held?.release();
    },
  };
}
