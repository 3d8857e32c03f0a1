import type { Clock } from '../core/clock';

/**
 * Sleeps under way per signal. A signal gets one 'abort' listener for its life, not one added and
 * removed per sleep: the heartbeat, the checks and the reconciler each sleep on one long-lived
 * signal, and Node's EventTarget bookkeeping cost more CPU than the timers themselves.
 */
const cancellers = new WeakMap<AbortSignal, Set<() => void>>();

function cancellersOf(signal: AbortSignal): Set<() => void> {
  let set = cancellers.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const cancel of created) cancel();
        created.clear();
      },
      { once: true },
    );
    cancellers.set(signal, created);
    set = created;
  }
  return set;
}

/**
 * The real clock, for the daemon. Sleeping rejects with the signal's own reason, as `Clock` says
 * (node:timers/promises would reject with a generic AbortError instead).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (!signal) {
        setTimeout(resolve, ms);
        return;
      }
      if (signal.aborted) return reject(signal.reason);
      const pending = cancellersOf(signal);
      const cancel = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        pending.delete(cancel);
        resolve();
      }, ms);
      pending.add(cancel);
    });
  },
  setTimer(ms, fire) {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};
