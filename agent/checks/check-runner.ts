import pino, { type Logger } from 'pino';
import type { Clock } from '../../core/clock';
import { nextDue } from '../cadence';
import type { CheckOutcome } from './attempt';
import { initialState, observe, reportOf, type CheckState, type RiseFallState } from './rise-fall';
import { runCheck } from './run-check';
import type { CheckSpec } from './specs';

/** Runs one check once; `runCheck` in the daemon, a scripted stand-in in tests. */
export type Probe = (spec: CheckSpec, ctx: { signal: AbortSignal }) => Promise<CheckOutcome>;

export interface CheckRunnerOptions {
  /** By name, as in the config's `checks`. */
  checks: Record<string, CheckSpec>;
  clock: Clock;
  probe?: Probe;
  logger?: Logger;
}

/** A check turned healthy or unhealthy. */
export interface CheckChange {
  name: string;
  state: CheckState;
  previous: CheckState;
}

/** Every finished run, changed or not (for metrics and debug logs). */
export interface CheckResult {
  name: string;
  outcome: CheckOutcome;
  state: CheckState;
}

interface Events {
  change: CheckChange;
  result: CheckResult;
}

interface Entry {
  name: string;
  spec: CheckSpec;
  state: RiseFallState;
  /** Ends this check's schedule alone (a reload removed it). */
  cancel: AbortController;
  /** Added by a reload and without a verdict yet: not reported, so it cannot fail a VIP it never ran for. */
  pending?: () => void;
  running?: { controller: AbortController; startedAt: number; done: Promise<void> };
}

/**
 * Runs every check on its own fixed-rate schedule: the first run at `start()`, then one every
 * `interval` on the grid that starts at `start(origin)` (see cadence.ts: checks whose intervals
 * are multiples of the heartbeat interval then run in the heartbeat's wake-ups). Runs are
 * fire-and-forget from the schedule's point of view, so a slow check never delays another check
 * or anything else on the event loop (heartbeats). A check never runs twice at
 * once: when its next run is due and the last one is still going (it overran its timeout, which the
 * schema keeps below the interval), that last run is aborted and counted as a failure, so a hung
 * check still falls.
 */
export class CheckRunner {
  private entries: Entry[];
  private origin: number | undefined;
  private readonly clock: Clock;
  private readonly probe: Probe;
  private readonly logger: Logger;
  private readonly stopping = new AbortController();
  private readonly loops: Array<Promise<void>> = [];
  private readonly listeners: { [E in keyof Events]: Set<(event: Events[E]) => void> } = {
    change: new Set(),
    result: new Set(),
  };
  private stopped: Promise<void> | undefined;

  constructor(options: CheckRunnerOptions) {
    this.clock = options.clock;
    this.probe = options.probe ?? ((spec, ctx) => runCheck(spec, ctx));
    this.logger = options.logger ?? pino({ enabled: false });
    const now = this.clock.now();
    this.entries = Object.entries(options.checks).map(([name, spec]) => this.entry(name, spec, now));
  }

  /**
   * Starts every check's schedule on the grid from `origin` (the agent's start, shared with its
   * heartbeats). Calling it again does nothing; after `stop()` it is an error.
   */
  start(origin = this.clock.now()): void {
    if (this.stopped) throw new Error('check runner already stopped; make a new one');
    if (this.origin !== undefined) return;
    this.origin = origin;
    for (const entry of this.entries) this.loops.push(this.loop(entry, origin));
  }

  /**
   * A reload (agent/reload): removed checks stop, changed ones keep their state and take the new
   * settings at their next run, new ones start. Resolves once every new check has a verdict (risen,
   * or failed `fall` times) or `verdictWithinMs` passed; until then they are not reported, so a
   * check added to a VIP its node holds does not count as failing before it has run.
   */
  reconfigure(checks: Record<string, CheckSpec>, verdictWithinMs: number): Promise<void> {
    const now = this.clock.now();
    for (const e of this.entries.filter((x) => !(x.name in checks))) {
      e.cancel.abort(new Error('removed by a reload'));
      e.running?.controller.abort(new Error('removed by a reload'));
    }
    const kept = this.entries.filter((e) => e.name in checks);
    for (const e of kept) e.spec = checks[e.name]!;
    const added = Object.entries(checks)
      .filter(([name]) => !kept.some((e) => e.name === name))
      .map(([name, spec]) => this.entry(name, spec, now));
    this.entries = [...kept, ...added];
    const verdicts = added.map((e) => new Promise<void>((resolve) => (e.pending = resolve)));
    if (this.origin !== undefined) for (const e of added) this.loops.push(this.loop(e, this.origin));
    const bound = new AbortController();
    const late = this.clock.sleep(verdictWithinMs, bound.signal).catch(() => undefined);
    return Promise.race([Promise.all(verdicts), late]).then(() => {
      bound.abort();
      for (const e of added) e.pending = undefined;
    });
  }

  /** The current state of every check, by name (a copy: safe to keep or send). */
  states(): Record<string, CheckState> {
    return Object.fromEntries(this.entries.filter((e) => !e.pending).map((e) => [e.name, reportOf(e.state)]));
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: (event: Events[E]) => void): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Cancels every schedule and aborts runs in flight; resolves once all of them have ended. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    const reason = new Error('check runner stopped');
    this.stopping.abort(reason);
    for (const entry of this.entries) entry.running?.controller.abort(reason);
    this.stopped = Promise.all([...this.loops, ...this.entries.map((e) => e.running?.done)]).then(() => {
      this.listeners.change.clear();
      this.listeners.result.clear();
    });
    return this.stopped;
  }

  private entry(name: string, spec: CheckSpec, now: number): Entry {
    return { name, spec, state: initialState(now), cancel: new AbortController() };
  }

  private async loop(entry: Entry, origin: number): Promise<void> {
    let due = this.clock.now();
    const ended = AbortSignal.any([this.stopping.signal, entry.cancel.signal]);
    for (;;) {
      this.tick(entry);
      due = nextDue(origin, entry.spec.interval, due, this.clock.now());
      try {
        await this.clock.sleep(due - this.clock.now(), ended);
      } catch {
        return; // stopped
      }
    }
  }

  private tick(entry: Entry): void {
    if (this.stopping.signal.aborted || entry.cancel.signal.aborted) return;
    const running = entry.running;
    if (running) {
      const ranMs = this.clock.now() - running.startedAt;
      running.controller.abort(new Error('overran its interval'));
      this.record(entry, {
        ok: false,
        detail: `still running ${ranMs}ms after it started (timeout ${entry.spec.timeout}ms); aborted`,
        latencyMs: ranMs,
      });
      return;
    }
    const controller = new AbortController();
    const startedAt = this.clock.now();
    const done = this.runProbe(entry.spec, controller.signal).then((outcome) => {
      entry.running = undefined;
      // An aborted run was either stopped or already counted as a failure when it overran.
      if (!controller.signal.aborted) this.record(entry, outcome);
    });
    entry.running = { controller, startedAt, done };
  }

  private async runProbe(spec: CheckSpec, signal: AbortSignal): Promise<CheckOutcome> {
    try {
      return await this.probe(spec, { signal });
    } catch (err) {
      // Our probes never throw; a stand-in that does still must not stop the schedule.
      return { ok: false, detail: `check threw: ${err instanceof Error ? err.message : String(err)}`, latencyMs: 0 };
    }
  }

  private record(entry: Entry, outcome: CheckOutcome): void {
    const previous = entry.state;
    const { state, changed } = observe(previous, outcome, entry.spec, this.clock.now());
    entry.state = state;
    if (state.ok || state.failures >= entry.spec.fall) entry.pending?.();
    const report = reportOf(state);
    const log = { check: entry.name, kind: entry.spec.kind, detail: outcome.detail, latencyMs: outcome.latencyMs };
    if (changed) {
      if (state.ok) this.logger.info(log, 'check healthy');
      else this.logger.warn(log, 'check unhealthy');
    }
    if (outcome.warning !== undefined && outcome.warning !== previous.warning) {
      this.logger.warn({ ...log, warning: outcome.warning }, 'check warning');
    }
    this.emit('result', { name: entry.name, outcome, state: report });
    if (changed) this.emit('change', { name: entry.name, state: report, previous: reportOf(previous) });
  }

  private emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners[event]) {
      try {
        listener(payload);
      } catch (err) {
        this.logger.error({ err, event }, 'check runner listener threw');
      }
    }
  }
}
