import type { Clock } from '../../core/clock';
import type { EtcdClient } from './client';

export interface NodeLeaseOptions {
  client: EtcdClient;
  /** The node's liveness key (Keys.alive(group, node)); it lives exactly as long as the lease. */
  key: string;
  value: string;
  /** What to ask etcd for; etcd may grant more (its minimum, 1.5 × its election timeout). */
  ttlSeconds: number;
  clock: Clock;
  /** Called once, when the lease is lost: etcd no longer knows it, or nothing renewed it for its TTL. */
  onLost: (reason: string) => void;
}

export interface NodeLease {
  readonly id: string;
  /** The TTL etcd granted, seconds. */
  readonly ttlSeconds: number;
  /** Whether the lease is still ours as far as this process can tell (renewed within its TTL, not lost). */
  alive(): boolean;
  /** Revokes the lease (etcd deletes the key at once) and stops; never reports loss. */
  release(): Promise<void>;
  /** Stops keeping the lease alive without revoking it: the key goes when the TTL runs out. */
  abandon(): void;
}

/**
 * A node's liveness in etcd: a lease with the node's key under it, renewed every third of its TTL.
 * Loss is reported exactly once, by whichever comes first: a renewal answered "unknown lease"
 * (expired or revoked), or the TTL running out since the last renewal etcd confirmed, measured
 * from when that renewal was SENT (so a slow answer never stretches it). That second rule is
 * what reports loss while etcd is unreachable or without quorum: the holder gives up no later
 * than etcd could have expired it. After a loss nothing is retried here; the caller decides.
 */
export async function holdNodeLease(o: NodeLeaseOptions): Promise<NodeLease> {
  // The TTL counts from when etcd granted it, which is after we asked: measure from the asking.
  const askedAt = o.clock.now();
  const granted = await o.client.grantLease(o.ttlSeconds);
  const ttlMs = granted.ttlSeconds * 1000;
  let validUntil = askedAt + ttlMs;
  try {
    await o.client.txn(
      { compare: [], success: [{ put: { key: o.key, value: o.value, lease: granted.id } }] },
      `put ${o.key} under lease ${granted.id}`,
    );
  } catch (err) {
    await o.client.revokeLease(granted.id).catch(() => undefined);
    throw err;
  }

  let state: 'held' | 'lost' | 'stopped' = 'held';
  let cancelExpiry = (): void => {};
  const stop = new AbortController();
  const lose = (reason: string): void => {
    if (state !== 'held') return;
    state = 'lost';
    cancelExpiry();
    stop.abort();
    o.onLost(reason);
  };
  let lastError = 'no renewal answered yet';
  const armExpiry = (): void => {
    cancelExpiry();
    cancelExpiry = o.clock.setTimer(Math.max(0, validUntil - o.clock.now()), () =>
      lose(`not renewed within its ${granted.ttlSeconds} s TTL (${lastError})`),
    );
  };
  armExpiry();

  const renewEvery = Math.max(100, Math.floor(ttlMs / 3));
  void (async () => {
    while (state === 'held') {
      try {
        await o.clock.sleep(renewEvery, stop.signal);
      } catch {
        return;
      }
      const sentAt = o.clock.now();
      try {
        const r = await o.client.keepAliveOnce(granted.id);
        if (state !== 'held') return;
        if (r.ttlSeconds <= 0) return lose(`etcd no longer knows lease ${granted.id} (expired or revoked)`);
        validUntil = Math.max(validUntil, sentAt + r.ttlSeconds * 1000);
        armExpiry();
      } catch (err) {
        lastError = `last renewal: ${(err as Error).message}`;
      }
    }
  })();

  return {
    id: granted.id,
    ttlSeconds: granted.ttlSeconds,
    alive: () => state === 'held' && o.clock.now() < validUntil,
    async release() {
      const was = state;
      state = 'stopped';
      cancelExpiry();
      stop.abort();
      if (was !== 'stopped') await o.client.revokeLease(granted.id);
    },
    abandon() {
      if (state === 'held') state = 'stopped';
      cancelExpiry();
      stop.abort();
    },
  };
}
