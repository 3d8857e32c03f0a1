import { randomBytes } from 'node:crypto';
import { configDigest, type Config } from '../core/config';
import type { Clock } from '../core/clock';
import type { Provider, RecordSetPublisher, Store } from '../core/ports';
import type { VipKind } from '../core/config/vips';
import type { Log } from '../lib/log';
import { providerLookup, type ProviderLookup } from './providers';

/** Knobs of the loop; defaults suit the cloud timers (1 s heartbeats). */
export interface Tuning {
  /** Provider moves in flight at once, across VIPs. */
  moveConcurrency: number;
  /** How long one move may take, retries included, before it is reported failed — for providers that declare no deadline of their own. */
  moveDeadlineMs: number;
  /**
   * The longest any move may take, whatever its provider declares: a Lambda invocation's remaining
   * time (functions/runtime.ts), or a test that wants failures fast. Unset: no cap.
   */
  maxMoveDeadlineMs?: number;
  /** How long a tick may hold the lease; a crashed ticker blocks others at most this long. */
  leaseMs: number;
  /** Commit attempts when other writers get in first (each reloads and decides again). */
  commitAttempts: number;
}

export const DEFAULT_TUNING: Tuning = {
  moveConcurrency: 16,
  moveDeadlineMs: 20_000,
  leaseMs: 30_000,
  commitAttempts: 3,
};

/** Everything the control loop works with: one cluster (the group), its store, providers, clock, log. */
export interface ControlContext {
  config: Config;
  /** The group key in the store: the cluster's name. */
  group: string;
  digest: string;
  store: Store;
  providers: ProviderLookup;
  /** Publishes the config's round-robin `dns` record sets; absent when the config has none. */
  publisher?: RecordSetPublisher;
  clock: Clock;
  log: Log;
  /** Who holds the lease when this process ticks (unique per process or Lambda container). */
  instance: string;
  tuning: Tuning;
  /**
   * When each provider's truth was last read for drift (its clock): a provider that declares a
   * `driftIntervalMs` is read no more often, so reconciles spend its read budget on purpose.
   * Per process (a Lambda container keeps its own); absent, every reconcile reads every provider.
   */
  driftReads?: Map<Provider, number>;
  /**
   * Each provider's last `diagnose` answer, taken in the drift round right after its observe, so
   * `status` can show it with its age without spending the provider's read budget per call.
   */
  diagnoses?: Map<Provider, ProviderDiagnosis>;
}

export interface ProviderDiagnosis {
  at: number;
  found: Array<{ vip: string; nodes: string[]; message: string }>;
  error?: string;
}

export function controlContext(opts: {
  config: Config;
  store: Store;
  clock: Clock;
  log: Log;
  providers?: ReadonlyMap<VipKind, Provider> | ProviderLookup | readonly Provider[];
  publisher?: RecordSetPublisher;
  instance?: string;
  tuning?: Partial<Tuning>;
}): ControlContext {
  return {
    config: opts.config,
    group: opts.config.cluster,
    digest: configDigest(opts.config),
    store: opts.store,
    providers: providerLookup(opts.providers),
    ...(opts.publisher ? { publisher: opts.publisher } : {}),
    clock: opts.clock,
    log: opts.log,
    instance: opts.instance ?? `cp-${randomBytes(6).toString('hex')}`,
    tuning: { ...DEFAULT_TUNING, ...opts.tuning },
    driftReads: new Map(),
    diagnoses: new Map(),
  };
}
