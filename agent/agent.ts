import pino, { type Logger } from 'pino';
import { configDigest } from '../core/config';
import { CheckRunner } from './checks';
import { HeartbeatBuilder, HeartbeatClient } from './heartbeat';
import { HookRunner } from './hooks';
import { Reconciler, type ReconcilerEvents } from './reconcile';
import type { AgentOptions, AgentStatus, StopReport } from './agent-options';

export type { AgentOptions, AgentStatus, ReportHooks, StopReport } from './agent-options';

/**
 * One node's agent: checks → heartbeat → answer → reconciler → host and hooks. The parts only
 * meet through snapshots and callbacks, so a slow control plane never delays a check, a slow hook
 * never delays a bind, and a hung check never delays a heartbeat.
 */
export class Agent {
  readonly checks: CheckRunner;
  readonly reconciler: Reconciler;
  readonly hooks: HookRunner;
  readonly heartbeat: HeartbeatClient;
  readonly builder: HeartbeatBuilder;
  private readonly logger: Logger;
  private digest: string;
  private startedAt = 0;
  private stopping: Promise<StopReport> | undefined;

  constructor(private readonly options: AgentOptions) {
    const { config, node, clock, metrics, reports } = options;
    this.logger = options.logger ?? pino({ enabled: false });
    this.digest = configDigest(config);
    this.hooks = new HookRunner({
      node: node.id,
      now: () => clock.now(),
      logger: this.logger.child({ part: 'hooks' }),
      exec: options.hookExec,
      onFailure: (f) => metrics?.hookFailed(f),
    });
    this.checks = new CheckRunner({
      checks: config.checks,
      clock,
      probe: options.probe,
      logger: this.logger.child({ part: 'checks' }),
    });
    if (metrics) this.checks.on('result', (r) => metrics.checkResult(r));
    this.reconciler = new Reconciler({
      config,
      node,
      hostNet: options.hostNet,
      clock,
      logger: this.logger.child({ part: 'reconcile' }),
      hooks: this.hooks,
      gate: options.gate,
      events: bothEvents(
        bothEvents(metrics?.reconcilerEvents(), options.reconcilerEvents),
        reports ? this.nudgeOnHostChange() : undefined,
      ),
      ...(reports ? { controlLossAfterMs: reports.controlLossAfterMs, cutOff: () => reports.cutOff() } : {}),
    });
    // A check that flips is news the control plane must hear at once, not at the next keepalive.
    if (reports) this.checks.on('change', () => this.heartbeat.nudge());
    this.builder = new HeartbeatBuilder({
      cluster: config.cluster,
      node: node.id,
      configDigest: this.digest,
      signer: options.signer,
      now: () => clock.now(),
      bootId: options.bootId,
      sources: {
        checks: () => this.checks.states(),
        held: () => this.reconciler.held(),
        applied: () => this.reconciler.appliedEpochs(),
        takeHookFailures: () => this.hooks.takeFailures(),
        ...(options.claiming ? { claiming: options.claiming } : {}),
        ...(options.peerOps ? { ops: options.peerOps } : {}),
        ...(reports ? { watch: () => reports.watch(), version: () => reports.version() } : {}),
      },
    });
    this.heartbeat = new HeartbeatClient({
      builder: this.builder,
      transport: options.transport,
      clock,
      intervalMs: reports ? reports.keepaliveMs : config.timers.heartbeatInterval,
      // A report waits for the tick it may start (a provider move): give it seconds, not the keepalive.
      timeoutMs: options.heartbeatTimeoutMs ?? (reports ? Math.min(reports.keepaliveMs, 25_000) : undefined),
      ...(reports ? { purpose: 'report' as const } : {}),
      maxBackoffMs: options.maxBackoffMs,
      random: options.random,
      maxBytes: config.security.maxHeartbeatBytes,
      logger: this.logger.child({ part: 'heartbeat' }),
      returnHookFailures: (f) => this.hooks.returnFailures(f),
      onResult: (result, info) => {
        metrics?.heartbeat(result);
        if (result.kind === 'answer' && !info.leaving) {
          reports?.owning(result.answer.assignments.map((a) => a.vip));
          this.reconciler.accept(result.answer.assignments);
        }
        if (result.kind === 'answer') reports?.learned(result.answer.version);
      },
    });
  }

  /** Clean slate first (nothing is this node's before an answer), then checks, heartbeats, rounds. */
  async start(): Promise<void> {
    this.startedAt = this.options.clock.now();
    await this.reconciler.round();
    // One grid for both, so checks fall due in heartbeat wake-ups (cadence.ts).
    const origin = this.options.clock.now();
    this.checks.start(origin);
    this.heartbeat.start(origin);
    this.reconciler.start();
    this.logger.info(
      {
        cluster: this.options.config.cluster,
        bootId: this.builder.bootId,
        digest: this.digest,
        target: this.options.transport.target,
        vips: this.reconciler.managed.length,
      },
      'agent started',
    );
  }

  /**
   * Stops within `deadlineMs`: the schedules end, one `leaving` heartbeat goes out (so the control
   * plane moves this node's VIPs at once), every managed VIP is unbound, down hooks run, checks stop.
   * Graceful = false skips the leaving heartbeat and keeps the VIPs bound (a restart in place).
   */
  stop(options: { graceful?: boolean; deadlineMs?: number } = {}): Promise<StopReport> {
    this.stopping ??= this.stopWithin(options.graceful ?? true, options.deadlineMs ?? this.defaultDeadline());
    return this.stopping;
  }

  /** A reload (agent/reload/apply.ts): the config status and stop read, and the digest heartbeats carry. */
  reloaded(config: AgentOptions['config']): void {
    this.options.config = config;
    this.digest = configDigest(config);
    this.builder.reloaded(this.digest);
  }

  status(): AgentStatus {
    const { config, node, clock } = this.options;
    const applied = this.reconciler.appliedEpochs();
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      cluster: config.cluster,
      node: node.id,
      bootId: this.builder.bootId,
      configDigest: this.digest,
      hostNet: this.options.hostNetKind,
      startedAt: this.startedAt,
      controlPlane: {
        ...this.heartbeat.status(),
        lost: this.reconciler.controlLost(clock.now()),
        deadAfterMs: config.timers.deadAfter,
      },
      held: this.reconciler.held().map((vip) => ({ vip, epoch: applied[vip] ?? null })),
      vips: this.reconciler.status(),
      checks: this.checks.states(),
      hooks: this.hooks.status(),
      process: {
        pid: process.pid,
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        cpuUserMicros: cpu.user,
        cpuSystemMicros: cpu.system,
        uptimeSeconds: Math.round(process.uptime()),
      },
    };
  }

  /** Binds and releases are news for a witnessed control plane: `applied` marks the failover bound. */
  private nudgeOnHostChange(): ReconcilerEvents {
    return { bound: () => this.heartbeat.nudge(), unbound: () => this.heartbeat.nudge() };
  }

  /** Room for the leaving heartbeat, the unbinds and two hook runs (down, notify) per VIP. */
  private defaultDeadline(): number {
    const hookTimeout = Math.max(0, ...this.options.config.vips.map((v) => (v.hooks ? v.hooks.timeout : 0)));
    return 5000 + 2 * hookTimeout;
  }

  private async stopWithin(graceful: boolean, deadlineMs: number): Promise<StopReport> {
    const started = this.options.clock.now();
    let step = 'stopping heartbeats';
    let leavingDelivered = false;
    const steps = (async () => {
      await this.heartbeat.stop();
      if (graceful) {
        step = 'sending the leaving heartbeat';
        const interval = this.options.config.timers.heartbeatInterval;
        const r = await this.heartbeat.sendLeaving(Math.min(1000, Math.max(100, interval)));
        leavingDelivered = r.kind === 'answer' || r.kind === 'sent';
        step = 'unbinding VIPs';
        await this.reconciler.releaseAll();
      } else {
        await this.reconciler.stop();
      }
      step = 'running hooks';
      await this.hooks.idle();
      step = 'stopping checks';
      await this.checks.stop();
      step = 'closing the transport';
      await this.options.transport.close();
    })();
    const timer = new AbortController();
    const deadline = this.options.clock.sleep(deadlineMs, timer.signal).then(
      () => 'late' as const,
      () => 'cancelled' as const,
    );
    const finished = steps.then(
      () => 'done' as const,
      (err: unknown) => {
        this.logger.error(
          { err: (err as Error).message, step },
          `stop failed while ${step}: ${(err as Error).message}`,
        );
        return 'failed' as const;
      },
    );
    const outcome = await Promise.race([finished, deadline]);
    timer.abort();
    const ms = this.options.clock.now() - started;
    if (outcome !== 'done') {
      if (outcome === 'late')
        this.logger.error({ step, deadlineMs }, `stop took longer than ${deadlineMs}ms; still ${step}`);
      return { ok: false, leavingDelivered, stuckIn: step, ms };
    }
    this.logger.info({ ms, leavingDelivered, graceful }, 'agent stopped');
    return { ok: true, leavingDelivered, ms };
  }
}

function bothEvents(a: ReconcilerEvents | undefined, b: ReconcilerEvents | undefined): ReconcilerEvents | undefined {
  if (!a || !b) return a ?? b;
  return {
    bound(vip, epoch) {
      a.bound?.(vip, epoch);
      b.bound?.(vip, epoch);
    },
    unbound(vip, why) {
      a.unbound?.(vip, why);
      b.unbound?.(vip, why);
    },
    failed(op, vip, reason) {
      a.failed?.(op, vip, reason);
      b.failed?.(op, vip, reason);
    },
    held(count) {
      a.held?.(count);
      b.held?.(count);
    },
  };
}
