import type { Clock } from '../../core/clock';

/**
 * How faithful an emulator's timings are.
 *  - `real`: the provider's documented behaviour — a Robot failover POST that blocks for the
 *    routing time, read limits per hour, Cloud locks that last minutes. Demos and the
 *    provider-hour bench run this; tests run it under a time scale or a fake clock.
 *  - `fast`: the same rules (the same errors, locks, budgets) with short durations, so unit and
 *    contract tests finish in milliseconds. A profile changes durations, never the rules.
 */
export type EmulatorProfile = 'real' | 'fast';

export const EMULATOR_PROFILES: readonly EmulatorProfile[] = ['real', 'fast'];

/** The default keeps every existing caller (tests written before the profiles) on short timings. */
export const DEFAULT_PROFILE: EmulatorProfile = 'fast';

/** Parses `--profile`; throws an Error naming the allowed values. */
export function parseProfile(text: string): EmulatorProfile {
  if ((EMULATOR_PROFILES as readonly string[]).includes(text)) return text as EmulatorProfile;
  throw new Error(`profile must be one of ${EMULATOR_PROFILES.join(', ')}, not "${text}"`);
}

/**
 * What every emulator's options accept beside its seed: the profile, and the clock its rules
 * read and its blocking calls sleep on. Give the emulator the same clock as the adapter and the
 * control plane (a ManualClock in tests, `scaledClock(n)` in a sped-up run), so a deadline, a
 * lock and an hourly window all measure the same time.
 */
export interface ProfileOptions {
  profile?: EmulatorProfile;
  clock?: Clock;
}

/** Picks the duration for a profile: `real` is the documented figure, `fast` the test figure. */
export function byProfile<T>(profile: EmulatorProfile, figures: { real: T; fast: T }): T {
  return profile === 'real' ? figures.real : figures.fast;
}

/**
 * A clock that runs `scale` times faster than the wall clock from the moment it is made: a
 * 50-second Robot switch under scale 50 takes one wall second, and the hourly windows shrink with
 * it, so a sped-up run keeps every rule. Scale 1 is the wall clock.
 */
export function scaledClock(scale: number, wallNow: () => number = Date.now): Clock {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`time scale must be a positive number, not ${scale}`);
  const wallStart = wallNow();
  const now = () => wallStart + Math.round((wallNow() - wallStart) * scale);
  const wallMs = (ms: number) => Math.max(0, ms / scale);
  return {
    now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal!.reason);
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, wallMs(ms));
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    setTimer(ms, fire) {
      const timer = setTimeout(fire, wallMs(ms));
      return () => clearTimeout(timer);
    },
  };
}

/** The wall clock's waits with the given `now` (an emulator built with only a `now` function). */
export function wallClock(now: () => number = Date.now): Clock {
  return { ...scaledClock(1), now };
}
