import pino, { type Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { HeartbeatAnswer } from '../../core/heartbeat';
import type { HookFailure } from '../hooks';
import { gridAtOrAfter, nextDue } from '../cadence';
import { backoffDelay, defaultMaxBackoff } from './backoff';
import type { HeartbeatBuilder, HeartbeatPurpose } from './builder';
import type { HeartbeatTransport, SendResult } from './transport';

export interface HeartbeatClientOptions {
  builder: HeartbeatBuilder;
  transport: HeartbeatTransport;
  clock: Clock;
  intervalMs: number;
  /** A deadline shorter than the default, which is the instant the next heartbeat is due. */
  timeoutMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  logger?: Logger;
  /** Undelivered hook failures go back here, so the next heartbeat carries them. */
  returnHookFailures?: (failures: HookFailure[]) => void;
  /** Every outcome, for the reconciler (answers) and metrics (everything). */
  onResult?: (result: SendResult, info: { seq: number; leaving: boolean }) => void;
  /** Warn when a heartbeat is larger than the receiver accepts (security.maxHeartbeatBytes). */
  maxBytes?: number;
  /** `report` under witnessed liveness: `intervalMs` is then the keepalive, and `nudge()` sends at once. */
  purpose?: HeartbeatPurpose;
}

/** Why a heartbeat's exchange was cut short by the next one: a timeout (see SendOptions). */
const NEXT_HEARTBEAT_DUE = Object.assign(new Error('no answer before the next heartbeat was due'), {
  name: 'TimeoutError',
});

/** What `ipferry agent status` shows about the control plane. */
export interface ControlStatus {
  target: string;
  reachable: boolean;
  lastAnswerAt?: number;
  lastAnswer?: HeartbeatAnswer;
  lastRttMs?: number;
  consecutiveFailures: number;
  lastFailure?: { at: number; kind: string; reason: string; message: string };
  sent: number;
  /** Answers that failed their checks (unsigned, mis-signed, another node's, replayed, runaway epoch): none was used. */
  answersRefused: number;
  /** Whether answers must carry the control plane's signature (control.answerKey is set). */
  answersSigned: boolean;
}

/**
 * Sends a heartbeat every interval (fixed rate, on the grid that starts at `start(origin)`; see
 * cadence.ts), each with the next one's instant as its deadline, so one never overlaps the next
 * (the exchange starts after the instant it is due, so that is less than the interval). After
 * failures it backs off exponentially (bounded, jittered) and returns to the interval with the
 * first answer. It only reads snapshots (check states, bound
 * VIPs), so it never waits on a check, and the checks never wait on it.
 */
export class HeartbeatClient {
  private readonly logger: Logger;
  /** Only when set: by default a heartbeat's deadline is the next one's instant. */
  private readonly timeoutMs: number | undefined;
  private readonly maxBackoffMs: number;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private failures = 0;
  private state: ControlStatus;
  private lastNotes = '';
  private warnedTooLarge = false;
  /** A nudge came while the loop was not waiting (or before it looked): send again at once. */
  private nudged = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: HeartbeatClientOptions) {
    this.logger = options.logger ?? pino({ enabled: false });
    this.timeoutMs = options.timeoutMs === undefined ? undefined : Math.min(options.timeoutMs, options.intervalMs);
    this.maxBackoffMs = options.maxBackoffMs ?? defaultMaxBackoff(options.intervalMs);
    this.state = {
      target: options.transport.target,
      reachable: false,
      consecutiveFailures: 0,
      sent: 0,
      answersRefused: 0,
      answersSigned: options.transport.answersSigned ?? false,
    };
  }

  /** `origin`: where the schedule's grid starts (the agent's start, shared with its checks). */
  start(origin = this.options.clock.now()): void {
    if (this.loop || this.stopping.signal.aborted) return;
    this.loop = this.run(origin);
  }

  /** Stops the schedule and aborts a heartbeat in flight. Sending `leaving` is still possible. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('heartbeat client stopped'));
    await this.loop;
  }

  /** The graceful stop's one `leaving: true` heartbeat, with its own short timeout. */
  async sendLeaving(timeoutMs: number): Promise<SendResult> {
    const result = await this.beat(true, timeoutMs, undefined);
    if (result.kind === 'answer' || result.kind === 'sent')
      this.logger.info({ rttMs: result.rttMs }, 'leaving heartbeat delivered');
    else
      this.logger.warn(
        { result },
        `leaving heartbeat not delivered (${result.kind}: ${result.message}); the control plane will notice after deadAfter`,
      );
    return result;
  }

  /**
   * Something the control plane must know changed (witnessed liveness): send now instead of at
   * the keepalive, and count the keepalive from then. A nudge during an exchange sends again
   * right after it, since that exchange may have carried the old state.
   */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  status(): ControlStatus {
    return { ...this.state };
  }

  private async run(origin: number): Promise<void> {
    const { clock, intervalMs } = this.options;
    const stop = this.stopping.signal;
    let due = clock.now();
    while (!stop.aborted) {
      // One timer per heartbeat: the next one's instant, which is also this one's deadline. A
      // separate timeout would not do: a Node timer the answer cleared still wakes the process
      // when it was due, and at 5 heartbeats a second those wake-ups were a tenth of the agent's CPU.
      const next = nextDue(origin, intervalMs, due, clock.now());
      const tick = clock.sleep(next - clock.now(), stop).then(
        () => NEXT_HEARTBEAT_DUE,
        (why: unknown) => (why instanceof Error ? why : new Error(String(why))),
      );
      const result = await this.beat(false, this.timeoutMs, tick);
      if (stop.aborted) return;
      due = next;
      if (result.kind !== 'answer' && result.kind !== 'sent') {
        const backoff = backoffDelay(this.failures, {
          intervalMs,
          maxMs: this.maxBackoffMs,
          random: this.options.random ?? Math.random,
        });
        due = gridAtOrAfter(origin, intervalMs, Math.max(next - intervalMs + backoff, clock.now()));
      }
      if (this.options.purpose === 'report' ? await this.waitOrNudge(tick) : (await tick, false)) {
        // Sent on news: the keepalive grid starts again from here.
        origin = clock.now();
        due = origin;
        continue;
      }
      if (stop.aborted) return;
      if (due > next) {
        try {
          await clock.sleep(due - clock.now(), stop);
        } catch {
          return;
        }
      }
    }
  }

  /** Waits for the next instant; true when a nudge came first (or had come already). */
  private async waitOrNudge(tick: Promise<unknown>): Promise<boolean> {
    if (!this.nudged) {
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      await Promise.race([tick, woken]);
      this.wake = undefined;
    }
    const nudged = this.nudged;
    this.nudged = false;
    return nudged;
  }

  private async beat(
    leaving: boolean,
    timeoutMs: number | undefined,
    until: Promise<Error> | undefined,
  ): Promise<SendResult> {
    let built;
    try {
      built = this.options.builder.build(leaving, this.options.purpose);
    } catch (err) {
      // A source that throws is a bug; report it as a failed heartbeat rather than kill the loop.
      const result: SendResult = {
        kind: 'failed',
        reason: 'bad-answer',
        message: `cannot build heartbeat: ${(err as Error).message}`,
      };
      this.record(result, 0, leaving);
      return result;
    }
    const tooLarge = this.options.maxBytes !== undefined && built.bytes > this.options.maxBytes;
    if (tooLarge && !this.warnedTooLarge) {
      this.logger.warn(
        { bytes: built.bytes, max: this.options.maxBytes },
        `heartbeat is ${built.bytes} bytes, more than security.maxHeartbeatBytes ${this.options.maxBytes}: the receiver will refuse it`,
      );
    }
    this.warnedTooLarge = tooLarge;
    this.state.sent++;
    const result = await this.options.transport.send(built.envelope, { timeoutMs, until });
    if (result.kind !== 'answer' && result.kind !== 'sent' && built.hookFailures.length > 0)
      this.options.returnHookFailures?.(built.hookFailures);
    this.record(result, built.seq, leaving);
    return result;
  }

  private record(result: SendResult, seq: number, leaving: boolean): void {
    const now = this.options.clock.now();
    if (result.kind === 'answer' || result.kind === 'sent') {
      if (this.failures > 0)
        this.logger.info(
          { after: this.failures },
          `control plane reachable again after ${this.failures} failed heartbeats`,
        );
      this.failures = 0;
      this.state = { ...this.state, reachable: true, consecutiveFailures: 0, lastRttMs: result.rttMs };
      if (result.kind === 'answer') {
        this.state.lastAnswerAt = now;
        this.state.lastAnswer = result.answer;
        const notes = result.answer.notes.join('; ');
        if (notes !== this.lastNotes) {
          this.lastNotes = notes;
          if (notes) this.logger.warn({ notes: result.answer.notes }, `control plane notes: ${notes}`);
        }
      }
    } else if (result.kind !== 'failed' || result.reason !== 'aborted') {
      this.failures++;
      const reason = result.reason;
      if (reason === 'forged-answer') this.state.answersRefused++;
      this.state = {
        ...this.state,
        reachable: false,
        consecutiveFailures: this.failures,
        lastFailure: { at: now, kind: result.kind, reason, message: result.message },
      };
      // The first failure and then every tenth: a control plane down for an hour must not flood the log.
      if (this.failures === 1 || this.failures % 10 === 0) {
        const log = { seq, kind: result.kind, reason, failures: this.failures, target: this.options.transport.target };
        if (result.kind === 'refused' || reason === 'forged-answer')
          this.logger.error(
            log,
            `heartbeat ${result.kind === 'refused' ? 'refused' : 'answer refused'} (${reason}): ${result.message}`,
          );
        else this.logger.warn(log, `heartbeat failed (${reason}): ${result.message}`);
      }
    }
    try {
      this.options.onResult?.(result, { seq, leaving });
    } catch (err) {
      this.logger.error({ err }, 'heartbeat result listener threw');
    }
  }
}
