import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import { StoreError } from '../../core/ports';

export interface WaitForEtcdOptions {
  /** One cheap read that succeeds only when etcd answers (and has quorum). */
  probe: () => Promise<unknown>;
  endpoints: readonly string[];
  clock: Clock;
  logger: Logger;
  /** Aborts the wait (a stop signal while starting): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** First wait after a failed probe, ms (default 1000); doubled each time up to `maxDelayMs`. */
  firstDelayMs?: number;
  /** Longest wait between probes, ms (default 15000): an etcd that comes up is noticed within it. */
  maxDelayMs?: number;
}

/**
 * Until etcd answers: an agent started before etcd (or cut off from it) would otherwise hang in
 * its first watch with nothing said. Each failed probe is logged with the endpoints, the error and
 * the next wait; waits double up to a bound, so a restarted etcd is found soon and a dead one is
 * not hammered. Errors retrying cannot fix (bad credentials, refused requests) end the wait at once.
 * Nothing is bound or claimed meanwhile; the loop ends when etcd answers or `signal` aborts.
 */
export async function waitForEtcd(o: WaitForEtcdOptions): Promise<void> {
  const max = o.maxDelayMs ?? 15_000;
  let delay = Math.min(o.firstDelayMs ?? 1000, max);
  for (let attempt = 1; ; attempt++) {
    o.signal?.throwIfAborted();
    try {
      await o.probe();
      if (attempt > 1)
        o.logger.info({ endpoints: o.endpoints, attempt }, `etcd reachable at ${o.endpoints.join(', ')}`);
      return;
    } catch (err) {
      if (err instanceof StoreError && err.reason !== 'transient') throw err;
      const message = (err as Error).message;
      o.logger.warn(
        { endpoints: o.endpoints, err: message, attempt, retryInMs: delay },
        `etcd unreachable at ${o.endpoints.join(', ')}: ${message}; retrying in ${delay / 1000} s (nothing claimed meanwhile)`,
      );
    }
    await o.clock.sleep(delay, o.signal);
    delay = Math.min(delay * 2, max);
  }
}
