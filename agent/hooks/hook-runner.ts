import pino, { type Logger } from 'pino';
import type { Vip } from '../../core/config';
import { execHook, type HookExecutor, type HookFailureReason, type HookOutcome } from './exec-hook';
import { askHelper, DEFAULT_HELPER_SOCKET } from './helper/helper-client';
import type { HelperRequest } from './helper/protocol';
import { hookTarget } from './layouts';

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

/** A failure as metrics and status see it: with its reason in a word. */
export interface HookFailureReport extends HookFailure {
  reason: HookFailureReason;
}

/** What `ipferry agent status` shows of the hooks: counts, and the latest failures. */
export interface HookStatus {
  runs: number;
  failures: number;
  /** The latest failures, newest last (at most RECENT_KEPT). */
  recent: HookFailureReport[];
}

/** Asks the root-owned hook helper to run an allow-listed command; a test may put its own here. */
export type HelperExecutor = (request: HelperRequest) => Promise<HookOutcome>;

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
  /** How helper hooks are asked for; by default through the helper's socket. */
  helper?: HelperExecutor;
  /** The helper's socket when `helper` is not given (DEFAULT_HELPER_SOCKET). */
  helperSocket?: string;
  onFailure?: (failure: HookFailureReport) => void;
}

/** The heartbeat carries at most 100 failures; older ones are dropped (and counted in the log). */
const MAX_KEPT_FAILURES = 100;
const MAX_ERROR_CHARS = 300;
const RECENT_KEPT = 10;

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
  private readonly counts = { runs: 0, failures: 0 };
  private recent: HookFailureReport[] = [];
  private readonly exec: HookExecutor;
  private readonly helper: HelperExecutor;
  private readonly logger: Logger;

  constructor(private readonly options: HookRunnerOptions) {
    this.exec = options.exec ?? execHook;
    const socket = options.helperSocket ?? DEFAULT_HELPER_SOCKET;
    this.helper = options.helper ?? ((request) => askHelper(socket, request));
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

  /** Hook runs and failures since the agent started, and the latest failures with their reasons. */
  status(): HookStatus {
    return { ...this.counts, recent: [...this.recent] };
  }

  /** Resolves when every queued hook has finished (each is bounded by its timeout). */
  async idle(): Promise<void> {
    for (let i = 0; i < 100 && this.running.size > 0; i++) await Promise.allSettled([...this.running]);
  }

  private async runOne(t: Transition, name: HookName): Promise<void> {
    const context = { vip: t.vip, address: t.address, interface: t.interface, state: t.state, node: this.options.node };
    const target = hookTarget(t.hooks![name]!, context);
    const timeoutMs = t.hooks?.timeout ?? 10_000;
    const env = {
      IPFERRY_VIP: t.vip,
      IPFERRY_STATE: t.state,
      IPFERRY_EPOCH: String(t.epoch),
      IPFERRY_NODE: this.options.node,
      IPFERRY_ADDRESS: t.address,
      IPFERRY_INTERFACE: t.interface,
    };
    const log = {
      vip: t.vip,
      hook: name,
      state: t.state,
      epoch: t.epoch,
      command: target.kind === 'helper' ? `helper:${target.command}` : [target.file, ...target.args],
    };
    const run =
      target.kind === 'helper'
        ? this.helper({ v: 1, command: target.command, ...context, epoch: t.epoch, timeoutMs })
        : this.exec({ file: target.file, args: target.args, env, timeoutMs });
    const outcome = await run.catch((err: unknown): HookOutcome => ({
      ok: false,
      ms: 0,
      reason: 'not-run',
      error: `could not run: ${String(err)}`,
    }));
    this.counts.runs++;
    if (outcome.ok) {
      this.logger.info({ ...log, ms: outcome.ms }, `${name} hook ran`);
      return;
    }
    this.counts.failures++;
    this.logger.error(
      { ...log, ms: outcome.ms, reason: outcome.reason, error: outcome.error },
      `${name} hook failed: ${outcome.error}`,
    );
    const failure: HookFailure = {
      vip: t.vip,
      hook: name,
      error: outcome.error.slice(0, MAX_ERROR_CHARS),
      at: this.options.now(),
    };
    const report = { ...failure, reason: outcome.reason };
    this.recent = [...this.recent, report].slice(-RECENT_KEPT);
    this.keep([...this.failures, failure]);
    try {
      this.options.onFailure?.(report);
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
