import pino, { type Logger } from 'pino';
import type { Config } from '../../core/config';
import { mapLimit } from '../../lib/pool';
import { openGate } from './bind-gate';
import { Effects } from './effects';
import { acceptAssignments, type Accepted, type Assignment } from './fence';
import { interfacesOf, managedVips, type ManagedVip } from './managed';
import { planRound } from './plan';
import { RoundSchedule } from './schedule';
import { emptyState, type HostState } from './state';
import { retire } from '../reload/retire';
import type { ReconcilerOptions } from './reconciler-options';
import { logControl, sameEpochs } from './util';
import { vipStatus, type VipStatus } from './status';

export type { HostOp, ReconcilerEvents } from './effects';
export type { ReconcilerOptions } from './reconciler-options';

/**
 * Converges the host to what this node owns, vip-manager style: each round observes what is (lists
 * the managed addresses on the host), compares it with what should be (`planRound`, pure) and fixes
 * the difference (`Effects`). Rounds run at once after an answer that changes something and when
 * `RoundSchedule` says one is due, never two at a time. Every failure is logged with its reason and
 * retried by a later round; nothing here throws at the caller.
 */
export class Reconciler {
  managed: ManagedVip[];
  private interfaces: string[];
  private known: Set<string>;
  private readonly logger: Logger;
  private readonly state: HostState = emptyState();
  private readonly effects: Effects;
  private readonly schedule: RoundSchedule;
  private started = false;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  /** Asked for a round while one was running: run another right after it. */
  private again = false;

  constructor(private readonly options: ReconcilerOptions) {
    this.logger = options.logger ?? pino({ enabled: false });
    const { managed, skipped } = managedVips(options.config, options.node);
    for (const s of skipped) this.logger.warn(s, `VIP ${s.vip} is not plumbed on this node: ${s.reason}`);
    this.managed = managed;
    this.interfaces = interfacesOf(managed);
    this.known = new Set(options.config.vips.map((v) => v.name));
    const { clock, hostNet, hooks, events } = options;
    this.effects = new Effects(this.state, {
      clock,
      hostNet,
      hooks,
      events,
      logger: this.logger,
      gate: options.gate ?? openGate,
    });
    const { heartbeatInterval, deadAfter } = options.config.timers;
    const listEveryMs = options.listEveryMs ?? Math.max(heartbeatInterval, 1000);
    this.schedule = new RoundSchedule({
      clock,
      logger: this.logger,
      heartbeatMs: heartbeatInterval,
      listEveryMs,
      quietListEveryMs: Math.max(listEveryMs, options.quietListEveryMs ?? 30_000),
      lossAfterMs: options.controlLossAfterMs ?? deadAfter,
      wake: () => this.kick(),
    });
  }

  /** Takes an answer's assignments (fenced by epoch) and starts a round at once if they change something. */
  accept(assignments: readonly Assignment[]): Accepted {
    const { state } = this;
    const result = acceptAssignments(state.owned, state.fence, assignments, this.known);
    for (const f of result.fenced)
      this.logger.warn(f, `ignored assignment of ${f.vip} at epoch ${f.epoch}: epoch ${f.applied} was already applied`);
    if (result.unknown.length > 0)
      this.logger.warn(
        { vips: result.unknown },
        'answer assigns VIPs the config does not know (another config?); ignored',
      );
    for (const [vip, epoch] of result.owned)
      if (!state.owned.has(vip)) this.logger.info({ vip, epoch }, `assigned ${vip} (epoch ${epoch})`);
    for (const vip of state.owned.keys())
      if (!result.owned.has(vip)) this.logger.info({ vip }, `${vip} is no longer assigned here`);
    const changed = !sameEpochs(state.owned, result.owned);
    state.owned = result.owned;
    const now = this.options.clock.now();
    this.schedule.answered(now);
    // The same answer again (the steady state) needs no round unless a listing is due, and then it
    // runs here, in the answer's wake-up; a change or a regained control plane needs one at once.
    if (changed || this.schedule.lossActedOn) this.schedule.needsRound = true;
    if (this.schedule.roundDue(now)) this.kick();
    // The answer moved the control-loss deadline (and maybe the listing) later.
    this.schedule.rearm(now);
    return result;
  }

  /** Runs rounds until `stop()`, when `accept` or the schedule asks for one. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule.start(this.options.hostNet);
    this.kick(); // the timer is armed when this round ends
  }

  /** One full compare-and-fix round now (the first one is the clean slate: nothing is owned yet). */
  round(): Promise<void> {
    this.schedule.needsRound = true;
    this.kick();
    return this.inFlight ?? Promise.resolve();
  }

  /**
   * VIP names bound on the host, as last seen. In peer mode also those owned and about to be bound
   * (a superset of what the host carries): peers decide from what this node reports, and a VIP
   * between "decided here" and "bound here" must not look free to them, or one of them starts a
   * claim in that gap and binds it too (seen in the LAN lab: two hosts bound one VIP of seed 001's
   * ring while a slow `ip addr add` was under way).
   */
  held(): string[] {
    const names = new Set(this.state.bound);
    for (const vip of this.binding()) names.add(vip);
    return [...names].sort();
  }

  /** Epochs of what `held()` reports (in peer mode, a bind under way at the epoch it binds at). */
  appliedEpochs(): Record<string, number> {
    const epochs = new Map(this.state.applied);
    for (const vip of this.binding()) epochs.set(vip, Math.max(this.state.owned.get(vip)!, epochs.get(vip) ?? 0));
    return Object.fromEntries([...epochs].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  ownedEpochs(): Record<string, number> {
    return Object.fromEntries(this.state.owned);
  }

  controlLost(now = this.options.clock.now()): boolean {
    return this.schedule.silent(now) || (this.options.cutOff?.() ?? false);
  }

  status(): VipStatus[] {
    const s = this.state;
    return this.managed.map((m) =>
      vipStatus(m, {
        owned: s.owned.get(m.name),
        applied: s.applied.get(m.name),
        bound: s.bound.has(m.name),
        waiting: s.waiting.get(m.name),
        fault: s.faults.get(m.name),
      }),
    );
  }

  /** Stops the rounds (waiting for one in flight) and every announcement. Binds stay as they are. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.schedule.stop();
    await this.inFlight;
    await this.effects.stop();
  }

  /** Graceful stop: no more rounds, then every managed address on the host is unbound. */
  async releaseAll(): Promise<void> {
    await this.stop();
    const { state } = this;
    state.owned = new Map();
    let bound: Set<string>;
    try {
      bound = await this.options.hostNet.bound(this.interfaces);
    } catch (err) {
      this.effects.fail('list', undefined, err, 'cannot list addresses before releasing; unbinding every applied VIP');
      bound = new Set(
        this.managed.filter((m) => state.applied.has(m.name) || state.bound.has(m.name)).map((m) => m.addr.address),
      );
    }
    const steps = planRound({
      managed: this.managed,
      bound,
      owned: state.owned,
      applied: state.applied,
      controlLost: false,
    });
    await mapLimit(steps, this.options.concurrency ?? 8, async (s) => {
      await this.effects.apply(s, true);
    });
    this.options.events?.held?.(state.bound.size);
  }

  /**
   * A reloaded config (agent/reload): VIPs no longer plumbed at the same address go down with
   * their hooks, between rounds; the others stay bound, untouched. Returns the names taken down.
   */
  async reconfigure(config: Config): Promise<string[]> {
    while (this.inFlight) await this.inFlight;
    const next = managedVips(config, this.options.node).managed;
    const run = retire({
      before: this.managed,
      after: next,
      state: this.state,
      effects: this.effects,
      ...this.options,
    });
    this.inFlight = run.then(() => {
      Object.assign(this.options, { config });
      [this.managed, this.interfaces, this.known] = [next, interfacesOf(next), new Set(config.vips.map((v) => v.name))];
    });
    await this.inFlight.finally(() => (this.inFlight = undefined));
    void this.round();
    return run;
  }

  /** Peer mode only: owned VIPs this agent plumbs, bound or not yet. */
  private binding(): string[] {
    if (this.options.config.control.mode !== 'peer') return [];
    return this.managed.filter((m) => this.state.owned.has(m.name)).map((m) => m.name);
  }

  /** Runs a round now, or right after the one under way; the schedule's timer is re-armed after. */
  private kick(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = (async () => {
      try {
        do {
          this.again = false;
          await this.roundOnce();
        } while (this.again && !this.stopped);
      } finally {
        this.inFlight = undefined;
        this.schedule.rearm();
      }
    })();
  }

  /** Observe what is, compare with what should be, fix the difference. */
  private async roundOnce(): Promise<void> {
    const now = this.options.clock.now();
    this.noticeControl(now);
    if (!this.schedule.roundDue(now)) return;
    this.schedule.listing(now);
    const { state } = this;
    let bound: Set<string>;
    try {
      bound = await this.options.hostNet.bound(this.interfaces);
    } catch (err) {
      this.effects.fail('list', undefined, err, 'cannot list addresses; retrying next round');
      this.schedule.needsRound = true;
      return;
    }
    state.bound.clear();
    for (const m of this.managed) if (bound.has(m.addr.address)) state.bound.add(m.name);
    const steps = planRound({
      managed: this.managed,
      bound,
      owned: state.owned,
      applied: state.applied,
      controlLost: this.schedule.lossActedOn,
    });
    await mapLimit(steps, this.options.concurrency ?? 8, async (s) => {
      // A step that did not take (failed, or waiting for EC2) is retried by a round one interval later.
      if (!(await this.effects.apply(s, false))) this.schedule.needsRound = true;
    });
    this.options.events?.held?.(state.bound.size);
  }

  /** Control lost or regained since the last round: the next round must act on it. */
  private noticeControl(now: number): void {
    const lost = this.controlLost(now);
    if (lost === this.schedule.lossActedOn) return;
    this.schedule.lossActedOn = lost;
    this.schedule.needsRound = true;
    const afterMs = this.options.controlLossAfterMs ?? this.options.config.timers.deadAfter;
    logControl(this.logger, lost, this.options.cutOff?.() ?? false, afterMs);
  }
}
