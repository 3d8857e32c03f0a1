import { Reloader, type ReloaderOptions } from './reloader';

/** Where reload requests come from: SIGHUP by default; tests pass their own. */
export interface ReloadSignal {
  /** Calls `listener` on every request; returns the function that stops listening. */
  on(listener: () => void): () => void;
}

/**
 * SIGHUP, the signal systemd's `ExecReload=` and `kill -HUP` send. Installed before anything
 * else, so a SIGHUP during start-up is a reload request kept for later, never Node's default
 * (which ends the process without a clean stop).
 */
export function processReloads(): ReloadSignal {
  return {
    on(listener) {
      const handler = () => listener();
      process.on('SIGHUP', handler);
      return () => process.off('SIGHUP', handler);
    },
  };
}

/**
 * The daemon's side: listens from its first moment; a request before the agent's Reloader exists
 * is kept and run once it does (and the Reloader itself waits until the agent has started).
 */
export function listenForReloads(signal: ReloadSignal): {
  ready(o: Omit<ReloaderOptions, 'now'>): Reloader;
  close(): void;
} {
  let reloader: Reloader | undefined;
  let early = false;
  const close = signal.on(() => (reloader ? void reloader.reload() : (early = true)));
  return {
    ready(o) {
      reloader = new Reloader({ ...o, now: Date.now });
      if (early) void reloader.reload();
      return reloader;
    },
    close,
  };
}
