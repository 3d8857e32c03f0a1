import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { NodeRecord } from '../../core/ports';
import type { NodeSession } from './ports';

/** The etcd calls a node session is made of (the etcd store's client and keys, wired in runtime.ts). */
export interface LeaseCalls {
  /** The node's record, kept with its replay guard (Store.putHeartbeat); throws when refused. */
  putRecord(record: NodeRecord): Promise<void>;
  grant(ttlSeconds: number): Promise<{ id: string }>;
  /** `ttlSeconds <= 0`: etcd no longer knows the lease. */
  keepAlive(id: string): Promise<{ ttlSeconds: number }>;
  /** The node's liveness key, under the lease. */
  putAlive(leaseId: string): Promise<void>;
  revoke(id: string): Promise<void>;
}

/**
 * This node's lease and records: a record write when the agent has news, a lease granted (with
 * the liveness key under it) when there is none, kept alive every third of its TTL as etcd's own
 * clients do. A lease etcd no longer knows, or not renewed for its TTL, is lost: said once, and
 * the next write grants a new one. Loops are bounded by the stop; each call by the client's deadline.
 */
export function nodeSession(o: {
  calls: LeaseCalls;
  ttlSeconds: number;
  clock: Clock;
  logger: Logger;
}): NodeSession & { leaseId(): string | undefined } {
  const ttlMs = o.ttlSeconds * 1000;
  const stop = new AbortController();
  let lease: { id: string; renewedAt: number } | undefined;
  let loop: Promise<void> | undefined;

  const lost = (why: string): void => {
    if (!lease) return;
    o.logger.warn({ lease: lease.id, why }, `node lease lost (${why}); a new one is granted at the next write`);
    lease = undefined;
  };

  const keepAlive = async (id: string): Promise<void> => {
    while (!stop.signal.aborted && lease?.id === id) {
      try {
        await o.clock.sleep(Math.max(100, Math.floor(ttlMs / 3)), stop.signal);
      } catch {
        return;
      }
      if (lease?.id !== id) return;
      try {
        const r = await o.calls.keepAlive(id);
        if (lease?.id !== id) return;
        if (r.ttlSeconds <= 0) lost('etcd no longer knows it');
        else lease.renewedAt = o.clock.now();
      } catch (err) {
        if (lease?.id === id && o.clock.now() - lease.renewedAt > ttlMs)
          lost(`not renewed for ${ttlMs} ms: ${(err as Error).message}`);
      }
    }
  };

  return {
    leaseId: () => lease?.id,
    alive: () => !!lease && o.clock.now() - lease.renewedAt <= ttlMs,
    async put(record) {
      if (stop.signal.aborted) throw new Error('node session closed');
      await o.calls.putRecord(record);
      if (lease && o.clock.now() - lease.renewedAt <= ttlMs) return;
      const grantedAt = o.clock.now();
      const { id } = await o.calls.grant(o.ttlSeconds);
      await o.calls.putAlive(id);
      lease = { id, renewedAt: grantedAt };
      o.logger.info({ lease: id, ttlSeconds: o.ttlSeconds }, 'node lease granted; this node is alive in etcd');
      const previous = loop;
      loop = (async () => {
        await previous;
        await keepAlive(id);
      })();
    },
    async close() {
      stop.abort();
      const id = lease?.id;
      lease = undefined;
      await loop;
      if (id) await o.calls.revoke(id);
    },
  };
}
