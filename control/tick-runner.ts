import type { Log } from '../lib/log';
import { errorText } from '../lib/log';
import type { TickOptions, TickResult, TickTrigger } from './tick';

interface Queued {
  triggers: TickTrigger[];
  repairDrift: boolean;
  waiters: Array<{ resolve: (r: TickResult) => void; reject: (e: unknown) => void }>;
}

/**
 * One tick at a time in this process. A request while a tick runs is queued, and requests that
 * pile up behind it merge into one (all their triggers, drift repair if any asked): by the time it
 * runs it reloads everything anyway. The store's lease and CAS handle other processes.
 */
export class TickRunner {
  private running: Promise<void> | undefined;
  private queued: Queued | undefined;
  private closed = false;

  constructor(
    private readonly run: (opts: TickOptions) => Promise<TickResult>,
    private readonly log: Log,
    private readonly onResult: (r: TickResult, opts: TickOptions) => void = () => {},
  ) {}

  request(trigger: TickTrigger, opts: { repairDrift?: boolean } = {}): Promise<TickResult> {
    if (this.closed) return Promise.reject(new Error('the tick runner is closed'));
    return new Promise<TickResult>((resolve, reject) => {
      const q = this.queued;
      if (q) {
        if (q.triggers.length < 100) q.triggers.push(trigger);
        q.repairDrift ||= !!opts.repairDrift;
        q.waiters.push({ resolve, reject });
      } else {
        this.queued = { triggers: [trigger], repairDrift: !!opts.repairDrift, waiters: [{ resolve, reject }] };
      }
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when no tick runs or waits. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    try {
      for (let q = this.queued; q; q = this.queued) {
        this.queued = undefined;
        const triggers = q.triggers.sort((a, b) => a.at - b.at);
        const opts: TickOptions = { trigger: triggers[0]!, triggers, repairDrift: q.repairDrift };
        try {
          const r = await this.run(opts);
          this.onResult(r, opts);
          for (const w of q.waiters) w.resolve(r);
        } catch (err) {
          this.log.error('tick failed', { trigger: opts.trigger.kind, error: errorText(err) });
          for (const w of q.waiters) w.reject(err);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
