import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { HostNet } from '../../core/ports';

/** The longest wait before watching the host again after a lost watch. */
const REWATCH_MAX_MS = 60_000;

export interface ScheduleOptions {
  clock: Clock;
  logger: Logger;
  heartbeatMs: number;
  /** Listing the host at most this often (every listing is an `ip` process on Linux). */
  listEveryMs: number;
  /** While the host's address changes are watched and none was reported: list only this often. */
  quietListEveryMs: number;
  /** How long the control plane may be silent before onControlLoss applies. */
  lossAfterMs: number;
  /** Runs a round (the loop's `kick`): called by the timer and by a reported host change. */
  wake(): void;
}

/**
 * When the loop's next round runs. A round is due when something changed (`needsRound`: an
 * answer that changed something, control loss, a step that did not take) or a listing is due:
 * every `listEveryMs`, or `quietListEveryMs` while the host reports its address changes. Between
 * rounds one timer waits for the first of: the listing (one heartbeat later, so that while answers
 * come it is their rounds that list, in wake-ups they cause anyway), the control plane's silence
 * passing `lossAfterMs`, a retry one heartbeat after a step that did not take.
 */
export class RoundSchedule {
  /** Something changed: the next round must look, whether a listing is due or not. */
  needsRound = true;
  /** Control loss has been acted on: no wake-up at its deadline until an answer comes. */
  lossActedOn = false;
  private readonly startedAt: number;
  private lastAnswerAt: number | undefined;
  private listedAt = -Infinity;
  /** The host reported an address change since the last listing. */
  private hostChanged = false;
  private running = false;
  private cancelWake: (() => void) | undefined;
  private wakeAt = Infinity;
  private readonly watch: HostWatch;

  constructor(private readonly o: ScheduleOptions) {
    this.startedAt = o.clock.now();
    this.watch = new HostWatch(o, () => this.onHostChanged());
  }

  /** Arms the timer from now on and watches the host's address changes (when it can report them). */
  start(hostNet: HostNet): void {
    this.running = true;
    this.watch.start(hostNet);
  }

  stop(): void {
    this.running = false;
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.wakeAt = Infinity;
    this.watch.stop();
  }

  answered(now: number): void {
    this.lastAnswerAt = now;
  }

  /** The control plane has been silent for longer than `lossAfterMs` (since start if it never answered). */
  silent(now: number): boolean {
    return now - (this.lastAnswerAt ?? this.startedAt) > this.o.lossAfterMs;
  }

  listingDue(now: number): boolean {
    return now - this.listedAt >= this.listEvery(now);
  }

  roundDue(now: number): boolean {
    return this.needsRound || this.listingDue(now);
  }

  /** A round starts: it lists the host now and looks at everything. */
  listing(now: number): void {
    this.needsRound = false;
    this.listedAt = now;
    this.hostChanged = false;
  }

  /**
   * Moves the timer to the next moment a round is due (a no-op while stopped). Always moved, later
   * too: a re-arm costs no wake-up, and keeping a far timer to save re-arms made no difference
   * measurable by bench:agent.
   */
  rearm(now = this.o.clock.now()): void {
    if (!this.running) return;
    const at = now + this.nextWakeIn(now);
    if (at === this.wakeAt) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.o.clock.setTimer(at - now, () => {
      this.cancelWake = undefined;
      this.wakeAt = Infinity;
      this.o.wake();
    });
  }

  private nextWakeIn(now: number): number {
    // After a reported change no grace: the answers' rounds do not know about it.
    const grace = this.hostChanged ? 0 : this.o.heartbeatMs;
    const listing = this.listedAt + this.listEvery(now) + grace - now;
    const loss = this.lossActedOn ? Infinity : (this.lastAnswerAt ?? this.startedAt) + this.o.lossAfterMs + 1 - now;
    const retry = this.needsRound ? this.o.heartbeatMs : Infinity;
    return Math.max(0, Math.min(listing, loss, retry));
  }

  /**
   * Lists rarely while the host reports its address changes. The first `2 × listEveryMs` of a watch
   * still list at the usual rate: the watcher may not have been listening yet when something changed.
   */
  private listEvery(now: number): number {
    const since = this.watch.since;
    const quiet = since !== undefined && !this.hostChanged && now - since >= 2 * this.o.listEveryMs;
    return quiet ? this.o.quietListEveryMs : this.o.listEveryMs;
  }

  /** An address changed on the host (or the watch was lost): list at once, or as soon as a listing is allowed again. */
  private onHostChanged(): void {
    if (!this.running) return;
    this.hostChanged = true;
    const now = this.o.clock.now();
    if (now - this.listedAt >= this.o.listEveryMs) this.o.wake();
    else this.rearm(now);
  }
}

/**
 * Watches the host's address changes (`HostNet.watch`: `ip monitor` on Linux), and again after a
 * watch is lost (killed, or failing to start): 1 s later, doubling to at most a minute while the
 * watches keep failing. Until then `since` is undefined and the host is listed every `listEveryMs`.
 */
class HostWatch {
  /** Since when the host's changes are watched (undefined: not watched). */
  since: number | undefined;
  private watcher: { stop(): void } | undefined;
  /** Watches lost in a row (each lasting less than REWATCH_MAX_MS): the backoff before the next. */
  private losses = 0;
  private cancelRewatch: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly o: ScheduleOptions,
    private readonly changed: () => void,
  ) {}

  start(hostNet: HostNet): void {
    if (this.stopped) return;
    const since = this.o.clock.now();
    let lost = false;
    const watcher = hostNet.watch?.({
      changed: this.changed,
      lost: (reason) => {
        if (lost || this.stopped) return;
        lost = true;
        if (this.watcher === watcher) this.watcher = undefined;
        this.since = undefined;
        // A watch that lasted is a new problem, not the same one again.
        if (this.o.clock.now() - since >= REWATCH_MAX_MS) this.losses = 0;
        const retryMs = Math.min(REWATCH_MAX_MS, 1000 * 2 ** this.losses);
        this.losses++;
        // The first loss and every tenth in a row: a host without `ip monitor` must not flood the log.
        if (this.losses === 1 || this.losses % 10 === 0) {
          this.o.logger.warn(
            { reason, losses: this.losses, retryMs },
            `no longer told about address changes (${reason}); listing the host every ${this.o.listEveryMs} ms, watching again in ${retryMs} ms`,
          );
        }
        this.changed();
        this.cancelRewatch = this.o.clock.setTimer(retryMs, () => {
          this.cancelRewatch = undefined;
          this.start(hostNet);
        });
      },
    });
    if (watcher && !lost) {
      this.watcher = watcher;
      this.since = since;
    }
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
    this.watcher = undefined;
    this.cancelRewatch?.();
    this.cancelRewatch = undefined;
  }
}
