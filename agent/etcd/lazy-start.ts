import type { startEtcdMode } from './runtime';

/**
 * etcd mode, loaded only when asked for: the etcd client and gRPC would cost every other agent
 * memory and start-up time. `starting` is aborted when the daemon is asked to stop, which ends a
 * start still waiting for an unreachable etcd (it rejects with the abort's reason).
 */
export async function startEtcd(o: Omit<Parameters<typeof startEtcdMode>[0], 'stop'>, starting: AbortController) {
  const runtime = await import('./runtime');
  return runtime.startEtcdMode({ ...o, stop: starting.signal });
}
