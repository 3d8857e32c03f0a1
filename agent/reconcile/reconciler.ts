import pino, { type Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config, NodeSpec } from '../../core/config';
import type { HostNet } from '../../core/ports';
import type { Transition } from '../hooks';
import { Announcer } from '../hostnet/announcer';
import { openGate, type BindGate } from './bind-gate';
import { acceptAssignments, type Accepted, type Assignment } from './fence';
import { interfacesOf, managedVips, type ManagedVip } from './managed';
import { planRound, type Step } from './plan';
import { mapLimit } from '../../lib/pool';
import { reasonOf } from './util';
import { vipStatus, type VipStatus } from './status';

/** The longest wait before watching the host again after a lost watch. */
const REWATCH_MAX_MS = 60_000;

export type HostOp = 'list' | 'bind' | 'unbind' | 'announce';

/** What the reconciler did, for metrics. */
export interface ReconcilerEvents {
  bound?(vip: string, epoch: number): void;
  unbound?(vip: string, why: 'not-assigned' | 'control-loss' | 'stopping'): void;
  failed?(op: HostOp, vip: string | undefined, reason: string): void;
  held?(count: number): void;
}

export interface ReconcilerOptions {
  config: Config;
  node: NodeSpec;
  hostNet: HostNet;
  clock: Clock;
  logger?: Logger;
  hooks?: { transition(t: Transition): void };
  gate?: BindGate;
  events?: ReconcilerEvents;
  /** Host operations run side by side within a round (10,240 VIPs one by one would take long). */
  concurrency?: number;
  /**
   * How often a round lists the host when nothing has changed, to repair drift (an address someone
   * removed). Default: the heartbeat interval, but at most once a second: on Linux every listing is
   * an `ip` process, and at 5 heartbeats a second that would be 5 processes a second for nothing.
   */
  listEveryMs?: number;
  /**
   * While the host reports its address changes (`HostNet.watch`: `ip monitor` on Linux), a
   * listing runs within `listEveryMs` of each change and otherwise only this often, in case a
   * change went unreported. Default 30 s.
   */
  quietListEveryMs?: number;
  /**
   * How long the control plane may be silent before onControlLoss applies. Default deadAfter
   * (direct liveness answers every heartbeat); witnessed agents hear from it once a keepalive.
   */
  controlLossAfterMs?: number;
  /** Witnessed liveness: this host's own evidence that it is cut off, which counts as control lost at once. */
  cutOff?: () => boolean;
}

/**
 * Converges the host to what this node owns: every round lists the managed addresses bound on
 * the host, plans against the owned set (pure, `planRound`) and applies the steps. Rounds run
 * every heartbeat interval and at once after each answer, never two at a time. Every failure is
 * logged with its reason and simply retried by the next round; nothing here throws at the caller.
 */
export class Reconciler {
  readonly managed: ManagedVip[];
  private readonly interfaces: string[];
  private readonly known: Set<string>;
  private readonly logger: Logger;
  private readonly gate: BindGate;
  private owned = new Map<string, number>();
  private readonly applied = new Map<string, number>();
  /** Highest epoch ever applied per VIP in this boot: the fence. */
  private readonly fence = new Map<string, number>();
  private readonly boundNow = new Set<string>();
  private readonly announcers = new Map<string, Announcer>();
  private readonly waiting = new Map<string, string>();
  private readonly faults = new Map<string, string>();
  private readonly startedAt: number;
  private lastAnswerAt: number | undefined;
  private lost = false;
  /** Something changed (an answer, control loss, a failed step): the next round must look. */
  private dirty = true;
  private listedAt = -Infinity;
  private readonly listEveryMs: number;
  private readonly quietListEveryMs: number;
  private watcher: { stop(): void } | undefined;
  /** Watches lost in a row (each lasting less than REWATCH_MAX_MS): the backoff before the next. */
  private watchLosses = 0;
  private cancelRewatch: (() => void) | undefined;
  /** Since when the host's address changes are watched (undefined: not watched, list every listEveryMs). */
  private watchedSince: number | undefined;
  /** The host reported an address change since the last listing. */
  private hostChanged = false;
  private started = false;
  /** Cancels the pending wake-up timer. */
  private cancelWake: (() => void) | undefined;
  /** When the wake-up timer goes off (Infinity: none pending). */
  private wakeAt = Infinity;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private readonly stopping = new AbortController();

  constructor(private readonly options: ReconcilerOptions) {
    this.logger = options.logger ?? pino({ enabled: false });
    this.gate = options.gate ?? openGate;
    const { managed, skipped } = managedVips(options.config, options.node);
    for (const s of skipped) this.logger.warn(s, `VIP ${s.vip} is not plumbed on this node: ${s.reason}`);
    this.managed = managed;
    this.interfaces = interfacesOf(managed);
    this.known = new Set(options.config.vips.map((v) => v.name));
    this.startedAt = options.clock.now();
    this.listEveryMs = options.listEveryMs ?? Math.max(options.config.timers.heartbeatInterval, 1000);
    this.quietListEveryMs = Math.max(this.listEveryMs, options.quietListEveryMs ?? 30_000);
  }

  /** Takes an answer's assignments (fenced by epoch) and starts a round at once. */
  accept(assignments: readonly Assignment[]): Accepted {
    const result = acceptAssignments(this.owned, this.fence, assignments, this.known);
    for (const f of result.fenced) this.logger.warn(f, `ignored assignment of ${f.vip} at epoch ${f.epoch}: epoch ${f.applied} was already applied`);
    if (result.unknown.length > 0) this.logger.warn({ vips: result.unknown }, 'answer assigns VIPs the config does not know (another config?); ignored');
    for (const [vip, epoch] of result.owned) if (!this.owned.has(vip)) this.logger.info({ vip, epoch }, `assigned ${vip} (epoch ${epoch})`);
    for (const vip of this.owned.keys()) if (!result.owned.has(vip)) this.logger.info({ vip }, `${vip} is no longer assigned here`);
    const changed = !sameEpochs(this.owned, result.owned);
    this.owned = result.owned;
    const now = this.options.clock.now();
    this.lastAnswerAt = now;
    // The same answer again (the steady state) needs no round unless a listing is due, and then it
    // runs here, in the answer's wake-up; a change or a regained control plane needs one at once.
    if (changed || this.lost) this.dirty = true;
    if (this.dirty || now - this.listedAt >= this.listEvery(now)) this.kick();
    // The answer moved the control-loss deadline (and maybe the listing) later.
    this.rearm(now);
    return result;
  }

  /**
   * Runs rounds until `stop()`: after each answer that changes something (see `accept`), when a
   * listing is due (`listEveryMs`) and exactly when the control plane's silence passes deadAfter.
   * Between those it sleeps: every wake-up costs CPU, and at 5 heartbeats a second a round per
   * interval would be most of the agent's.
   */
  start(): void {
    if (this.started || this.stopping.signal.aborted) return;
    this.started = true;
    this.watchHost();
    this.kick(); // the timer is armed when this round ends
  }

  /** One full compare-and-fix round now (the first one is the clean slate: nothing is owned yet). */
  round(): Promise<void> {
    this.dirty = true;
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
    const names = new Set(this.boundNow);
    for (const vip of this.binding()) names.add(vip);
    return [...names].sort();
  }

  /** Epochs of what `held()` reports (in peer mode, a bind under way at the epoch it binds at). */
  appliedEpochs(): Record<string, number> {
    const epochs = new Map(this.applied);
    for (const vip of this.binding()) epochs.set(vip, Math.max(this.owned.get(vip)!, epochs.get(vip) ?? 0));
    return Object.fromEntries([...epochs].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  ownedEpochs(): Record<string, number> {
    return Object.fromEntries(this.owned);
  }

  private lossAfter(): number {
    return this.options.controlLossAfterMs ?? this.options.config.timers.deadAfter;
  }

  controlLost(now = this.options.clock.now()): boolean {
    return now - (this.lastAnswerAt ?? this.startedAt) > this.lossAfter() || (this.options.cutOff?.() ?? false);
  }

  status(): VipStatus[] {
    return this.managed.map((m) =>
      vipStatus(m, {
        owned: this.owned.get(m.name),
        applied: this.applied.get(m.name),
        bound: this.boundNow.has(m.name),
        waiting: this.waiting.get(m.name),
        fault: this.faults.get(m.name),
      }),
    );
  }

  /** Stops the rounds (waiting for one in flight) and every announcement. Binds stay as they are. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('reconciler stopped'));
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.watcher?.stop();
    this.watcher = undefined;
    this.cancelRewatch?.();
    this.cancelRewatch = undefined;
    await this.inFlight;
    for (const a of this.announcers.values()) a.stopAll();
    await Promise.all([...this.announcers.values()].map((a) => a.idle()));
    this.announcers.clear();
  }

  /** Graceful stop: no more rounds, then every managed address on the host is unbound. */
  async releaseAll(): Promise<void> {
    await this.stop();
    this.owned = new Map();
    let bound: Set<string>;
    try {
      bound = await this.options.hostNet.bound(this.interfaces);
    } catch (err) {
      this.fail('list', undefined, err, 'cannot list addresses before releasing; unbinding every applied VIP');
      bound = new Set(this.managed.filter((m) => this.applied.has(m.name) || this.boundNow.has(m.name)).map((m) => m.addr.address));
    }
    const steps = planRound({ managed: this.managed, bound, owned: this.owned, applied: this.applied, controlLost: false });
    await mapLimit(steps, this.options.concurrency ?? 8, async (s) => {
      await this.apply(s, true);
    });
    this.options.events?.held?.(this.boundNow.size);
  }

  /** Peer mode only: owned VIPs this agent plumbs, bound or not yet. */
  private binding(): string[] {
    if (this.options.config.control.mode !== 'peer') return [];
    return this.managed.filter((m) => this.owned.has(m.name)).map((m) => m.name);
  }

  /**
   * Lists rarely while the host reports its address changes. The first `2 × listEveryMs` of a watch
   * still list at the usual rate: the watcher may not have been listening yet when something changed.
   */
  private listEvery(now: number): number {
    const quiet = this.watchedSince !== undefined && !this.hostChanged && now - this.watchedSince >= 2 * this.listEveryMs;
    return quiet ? this.quietListEveryMs : this.listEveryMs;
  }

  /**
   * Starts watching the host's address changes, and again after a watch is lost (`ip monitor`
   * killed or failing to start), 1 s later, doubling to at most a minute while the watches keep
   * failing. Until then the host is listed every `listEveryMs`, so nothing goes unseen meanwhile.
   */
  private watchHost(): void {
    if (this.stopping.signal.aborted) return;
    const since = this.options.clock.now();
    let lost = false;
    const watcher = this.options.hostNet.watch?.({
      changed: () => this.onHostChanged(),
      lost: (reason) => {
        if (lost || this.stopping.signal.aborted) return;
        lost = true;
        if (this.watcher === watcher) this.watcher = undefined;
        this.watchedSince = undefined;
        // A watch that lasted is a new problem, not the same one again.
        if (this.options.clock.now() - since >= REWATCH_MAX_MS) this.watchLosses = 0;
        const retryMs = Math.min(REWATCH_MAX_MS, 1000 * 2 ** this.watchLosses);
        this.watchLosses++;
        // The first loss and every tenth in a row: a host without `ip monitor` must not flood the log.
        if (this.watchLosses === 1 || this.watchLosses % 10 === 0) {
          this.logger.warn({ reason, losses: this.watchLosses, retryMs }, `no longer told about address changes (${reason}); listing the host every ${this.listEveryMs} ms, watching again in ${retryMs} ms`);
        }
        this.onHostChanged();
        this.cancelRewatch = this.options.clock.setTimer(retryMs, () => {
          this.cancelRewatch = undefined;
          this.watchHost();
        });
      },
    });
    if (watcher && !lost) {
      this.watcher = watcher;
      this.watchedSince = since;
    }
  }

  /** An address changed on the host: list at once, or as soon as a listing is allowed again. */
  private onHostChanged(): void {
    if (this.stopping.signal.aborted) return;
    this.hostChanged = true;
    const now = this.options.clock.now();
    if (now - this.listedAt >= this.listEveryMs) this.kick();
    else this.rearm(now);
  }

  /**
   * Moves the wake-up timer to `nextWakeIn`. Earlier: always. Later: only when the timer would go
   * off within about one heartbeat interval, before the next answer moves things again: each
   * answer moves the control-loss deadline, and re-arming 5 times a second would cost more than
   * the one wake-up a second it saves. A timer that goes off early runs a round that finds
   * nothing to do, and arms again.
   */
  private rearm(now = this.options.clock.now()): void {
    if (!this.started || this.stopping.signal.aborted) return;
    const at = now + this.nextWakeIn(now);
    if (at === this.wakeAt) return;
    const soon = this.wakeAt - now < 1.5 * this.options.config.timers.heartbeatInterval;
    if (at > this.wakeAt && !soon) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.options.clock.setTimer(at - now, () => {
      this.cancelWake = undefined;
      this.wakeAt = Infinity;
      this.kick();
    });
  }

  /**
   * Until the next listing is due, the control plane's silence would pass deadAfter, or (after a
   * step that did not take) one heartbeat interval, whichever is first. The loop lists one
   * heartbeat interval after the listing is due: while answers come, one of them lists first
   * (see `accept`), and the loop's own timer only lists when they do not.
   */
  private nextWakeIn(now: number): number {
    // After a reported change no grace: the answers' rounds do not know about it.
    const grace = this.hostChanged ? 0 : this.options.config.timers.heartbeatInterval;
    const listing = this.listedAt + this.listEvery(now) + grace - now;
    const loss = this.lost ? Infinity : (this.lastAnswerAt ?? this.startedAt) + this.lossAfter() + 1 - now;
    const retry = this.dirty ? this.options.config.timers.heartbeatInterval : Infinity;
    return Math.max(0, Math.min(listing, loss, retry));
  }

  private kick(): void {
    if (this.stopping.signal.aborted) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = (async () => {
      try {
        do {
          this.again = false;
          await this.roundOnce();
        } while (this.again && !this.stopping.signal.aborted);
      } finally {
        this.inFlight = undefined;
        this.rearm();
      }
    })();
  }

  private async roundOnce(): Promise<void> {
    const now = this.options.clock.now();
    const lost = this.controlLost(now);
    if (lost !== this.lost) {
      this.lost = lost;
      this.dirty = true;
      const cut = this.options.cutOff?.() ?? false;
      if (lost && cut) this.logger.warn('cut off from most of the nodes it watches with no answer since: releasing VIPs with onControlLoss=release, holding the others');
      else if (lost) this.logger.warn({ afterMs: this.lossAfter() }, `control plane out of reach for longer than ${this.lossAfter()} ms: releasing VIPs with onControlLoss=release, holding the others`);
      else this.logger.info('control plane reachable again');
    }
    if (!this.dirty && now - this.listedAt < this.listEvery(now)) return;
    this.dirty = false;
    this.listedAt = now;
    this.hostChanged = false;
    let bound: Set<string>;
    try {
      bound = await this.options.hostNet.bound(this.interfaces);
    } catch (err) {
      this.fail('list', undefined, err, 'cannot list addresses; retrying next round');
      this.dirty = true;
      return;
    }
    this.boundNow.clear();
    for (const m of this.managed) if (bound.has(m.addr.address)) this.boundNow.add(m.name);
    const steps = planRound({ managed: this.managed, bound, owned: this.owned, applied: this.applied, controlLost: lost });
    await mapLimit(steps, this.options.concurrency ?? 8, async (s) => {
      // A step that did not take (failed, or waiting for EC2) is retried by the very next round.
      if (!(await this.apply(s, false))) this.dirty = true;
    });
    this.options.events?.held?.(this.boundNow.size);
  }

  /** Applies one step; false when it did not take and must be tried again. */
  private async apply(step: Step, stopping: boolean): Promise<boolean> {
    const m = step.vip;
    switch (step.kind) {
      case 'bind':
        return this.bind(m, step.epoch, step.vanished);
      case 'adopt':
        this.logger.info({ vip: m.name, epoch: step.epoch }, `${m.name} was already bound here; adopting it at epoch ${step.epoch}`);
        this.took(m, step.epoch);
        return true;
      case 'retag':
        this.logger.info({ vip: m.name, epoch: step.epoch, from: step.from }, `${m.name} stays bound; epoch ${step.from} → ${step.epoch}`);
        this.mark(m, step.epoch);
        // It may have been elsewhere in between: the segment may have learnt another MAC.
        this.announcers.get(m.name)?.restart(m.addr);
        return true;
      case 'unbind':
        return this.unbind(m, stopping ? 'stopping' : step.why);
      case 'forget':
        this.logger.warn({ vip: m.name }, `${m.name} disappeared from ${m.addr.interface} (removed by someone else)`);
        this.released(m, 'down', false);
        return true;
    }
  }

  private async bind(m: ManagedVip, epoch: number, vanished: boolean): Promise<boolean> {
    if (vanished) this.logger.warn({ vip: m.name }, `${m.name} disappeared from ${m.addr.interface} (removed by someone else); binding it again`);
    const gate = await this.gate.check(m);
    if (!gate.ready) {
      if (this.waiting.get(m.name) !== gate.detail) this.logger.info({ vip: m.name, detail: gate.detail }, `${m.name} not bound yet: ${gate.detail}`);
      this.waiting.set(m.name, gate.detail);
      return false;
    }
    this.waiting.delete(m.name);
    try {
      await this.options.hostNet.bind(m.addr);
    } catch (err) {
      const message = this.fail('bind', m.name, err, `cannot bind ${m.name}; retrying next round`);
      if (!this.faults.has(m.name)) this.transition(m, 'fault', epoch, false);
      this.faults.set(m.name, message);
      return false;
    }
    this.logger.info({ vip: m.name, epoch, address: `${m.addr.address}/${m.addr.prefixLength}`, interface: m.addr.interface }, `bound ${m.name}`);
    this.options.events?.bound?.(m.name, epoch);
    this.took(m, epoch);
    return true;
  }

  private took(m: ManagedVip, epoch: number): void {
    this.faults.delete(m.name);
    this.mark(m, epoch);
    this.boundNow.add(m.name);
    this.announcer(m).start(m.addr);
    this.transition(m, 'up', epoch, false);
  }

  private mark(m: ManagedVip, epoch: number): void {
    this.applied.set(m.name, epoch);
    this.fence.set(m.name, Math.max(epoch, this.fence.get(m.name) ?? 0));
  }

  private async unbind(m: ManagedVip, why: 'not-assigned' | 'control-loss' | 'stopping'): Promise<boolean> {
    this.announcers.get(m.name)?.stop(m.addr);
    try {
      await this.options.hostNet.unbind(m.addr);
    } catch (err) {
      this.fail('unbind', m.name, err, `cannot unbind ${m.name}; retrying next round`);
      return false;
    }
    this.logger.info({ vip: m.name, why, address: `${m.addr.address}/${m.addr.prefixLength}`, interface: m.addr.interface }, `unbound ${m.name} (${why})`);
    this.options.events?.unbound?.(m.name, why);
    this.released(m, why === 'control-loss' ? 'fault' : 'down', true);
    return true;
  }

  private released(m: ManagedVip, state: 'down' | 'fault', unbound: boolean): void {
    const epoch = this.applied.get(m.name) ?? this.owned.get(m.name) ?? 0;
    this.applied.delete(m.name);
    this.boundNow.delete(m.name);
    this.faults.delete(m.name);
    this.announcers.get(m.name)?.stop(m.addr);
    this.transition(m, state, epoch, unbound || state === 'down');
  }

  private announcer(m: ManagedVip): Announcer {
    let a = this.announcers.get(m.name);
    if (!a) {
      const { count, spacing, refresh } = m.vip.announce;
      a = new Announcer({
        hostNet: this.options.hostNet,
        clock: this.options.clock,
        count,
        spacingMs: spacing,
        refreshMs: refresh,
        onError: (err, _addr, ctx) => {
          if (!ctx.afterStop) this.fail('announce', m.name, err, `announcing ${m.name} failed (${ctx.phase}); the next one will try again`);
        },
      });
      this.announcers.set(m.name, a);
    }
    return a;
  }

  private transition(m: ManagedVip, state: Transition['state'], epoch: number, released: boolean): void {
    this.options.hooks?.transition({ vip: m.name, address: m.addr.address, interface: m.addr.interface, hooks: m.vip.hooks, state, epoch, released });
  }

  /** Logs a failed host operation with its reason and counts it; returns the message. */
  private fail(op: HostOp, vip: string | undefined, err: unknown, what: string): string {
    const reason = reasonOf(err);
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error({ op, vip, reason, err: message }, `${what}: ${message}`);
    this.options.events?.failed?.(op, vip, reason);
    return message;
  }
}

function sameEpochs(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [vip, epoch] of a) if (b.get(vip) !== epoch) return false;
  return true;
}
