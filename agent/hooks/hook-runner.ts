import pino, { type Logger } from 'pino';
import type { Vip } from '../../core/config';
import { execHook, type HookExecutor } from './exec-hook';

export type HookName = 'up' | 'down' | 'notify';
/** What a VIP became on this node, as IPFERRY_STATE tells a hook (keepalived's MASTER/BACKUP/FAULT). */
export type VipState = 'up' | 'down' | 'fault';

/** One failed hook run, as the next heartbeat reports it. */
export interface HookFailure {
  vip: string;
  hook: HookName;
  error: string;
  at: number;
}

/** A VIP changed state on this host. */
export interface Transition {
  vip: string;
  address: string;
  interface: string;
  hooks: Vip['hooks'];
  state: VipState;
  epoch: number;
  /**
   * For `fault`: whether the address left the host (released on control loss), so services on it
   * must hear `down`. A bind that failed released nothing and only notifies.
   */
  released?: boolean;
}

export interface HookRunnerOptions {
  node: string;
  now: () => number;
  logger?: Logger;
  exec?: HookExecutor;
  onFailure?: (failure: HookFailure) => void;
}

/** The heartbeat carries at most 100 failures; older ones are dropped (and counted in the log). */
const MAX_KEPT_FAILURES = 100;
const MAX_ERROR_CHARS = 300;

/**
 * Runs up/down/notify hooks after the host has changed, never before and never in its way: the
 * reconciler calls `transition()` and moves on. Hooks of one VIP run one after another in the
 * order of its transitions (an up hook never overtakes the down hook before it); hooks of
 * different VIPs run side by side. Failures are logged, counted and kept for the next heartbeat.
 */
export class HookRunner {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private failures: HookFailure[] = [];
  private readonly exec: HookExecutor;
  private readonly logger: Logger;

  constructor(private readonly options: HookRunnerOptions) {
    this.exec = options.exec ?? execHook;
    this.logger = options.logger ?? pino({ enabled: false });
  }

  transition(t: Transition): void {
    const names = hooksFor(t).filter((name) => t.hooks?.[name] !== undefined);
    if (names.length === 0) return;
    const previous = this.queues.get(t.vip) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const name of names) await this.runOne(t, name);
    });
    this.queues.set(t.vip, next);
    this.running.add(next);
    void next.finally(() => {
      this.running.delete(next);
      if (this.queues.get(t.vip) === next) this.queues.delete(t.vip);
    });
  }

  /** Failures since the last call, oldest first; the heartbeat builder takes them. */
  takeFailures(): HookFailure[] {
    const taken = this.failures;
    this.failures = [];
    return taken;
  }

  /** Puts back failures a heartbeat could not deliver, so the next one carries them. */
  returnFailures(failures: readonly HookFailure[]): void {
    this.keep([...failures, ...this.failures]);
  }

  /** Resolves when every queued hook has finished (each is bounded by its timeout). */
  async idle(): Promise<void> {
    for (let i = 0; i < 100 && this.running.size > 0; i++) await Promise.allSettled([...this.running]);
  }

  private async runOne(t: Transition, name: HookName): Promise<void> {
    const spec = t.hooks![name]!;
    const [file, ...argv] = typeof spec === 'string' ? [spec] : spec;
    const command = {
      file: file!,
      // ucarp's calling convention: $1 the interface, $2 the address.
      args: [...argv, t.interface, t.address],
      env: {
        IPFERRY_VIP: t.vip,
        IPFERRY_STATE: t.state,
        IPFERRY_EPOCH: String(t.epoch),
        IPFERRY_NODE: this.options.node,
        IPFERRY_ADDRESS: t.address,
        IPFERRY_INTERFACE: t.interface,
      },
      timeoutMs: t.hooks?.timeout ?? 10_000,
    };
    const log = { vip: t.vip, hook: name, state: t.state, epoch: t.epoch, command: [command.file, ...command.args] };
    const outcome = await this.exec(command).catch((err: unknown) => ({
      ok: false as const,
      ms: 0,
      error: `could not run: ${String(err)}`,
    }));
    if (outcome.ok) {
      this.logger.info({ ...log, ms: outcome.ms }, `${name} hook ran`);
      return;
    }
    this.logger.error({ ...log, ms: outcome.ms, error: outcome.error }, `${name} hook failed: ${outcome.error}`);
    const failure: HookFailure = {
      vip: t.vip,
      hook: name,
      error: outcome.error.slice(0, MAX_ERROR_CHARS),
      at: this.options.now(),
    };
    this.keep([...this.failures, failure]);
    try {
      this.options.onFailure?.(failure);
    } catch (err) {
      this.logger.error({ err }, 'hook failure listener threw');
    }
  }

  private keep(failures: HookFailure[]): void {
    const dropped = failures.length - MAX_KEPT_FAILURES;
    if (dropped > 0)
      this.logger.warn(
        { dropped },
        `${dropped} hook failures not reported: more than ${MAX_KEPT_FAILURES} since the last heartbeat`,
      );
    this.failures = failures.slice(Math.max(0, dropped));
  }
}

function hooksFor(t: Transition): HookName[] {
  if (t.state === 'up') return ['up', 'notify'];
  if (t.state === 'down') return ['down', 'notify'];
  return t.released ? ['down', 'notify'] : ['notify'];
}
