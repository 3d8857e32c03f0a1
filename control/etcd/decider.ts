import { errorText } from '../../lib/log';
import { Timers } from '../../lib/timers';
import type { ControlContext } from '../context';
import { tick, type TickTrigger } from '../tick';
import { TickRunner } from '../tick-runner';
import type { Election, GroupChanges } from './ports';

export interface DeciderOptions {
  /** The control loop's context over the etcd store (wrapped in leaseLiveness). */
  ctx: ControlContext;
  election: Election;
  changes: GroupChanges;
  /** Decisions on the schedule, between changes (preemptDelay, minHold run out): default heartbeatInterval, at least 1 s. */
  tickEveryMs?: number;
  /** Drift repair through providers: default 60 s, as the local control plane. */
  reconcileEveryMs?: number;
  /** After losing the election (or failing to campaign): campaign again this much later. Default 1 s. */
  recampaignMs?: number;
}

export interface DeciderStatus {
  leader: boolean;
  /** When this instance last became the decider (its clock), if it ever did. */
  since?: number;
  ticks: number;
  lastLoss?: string;
}

/**
 * etcd mode's decider: every agent runs one, and etcd's election lets one lead at a time. The
 * leader runs the local control plane's loop as it is — `tick()` and `decide()` through a
 * TickRunner — on every change the store's watch reports (a record appears, changes or vanishes
 * with its lease) and on a schedule. It never takes the store's tick lease: the election already
 * keeps one decider, and a lease left by a decider killed mid-tick would stall its successor.
 * What keeps two deciders (an old one yet to learn it lost) from doing harm is the commit's
 * compare-and-set: a decision made on a stale read loses and is decided again on fresh state.
 */
export class EtcdDecider {
  private readonly timers: Timers;
  private term: { timers: Timers; runner: TickRunner; stopWatch: () => Promise<void> } | undefined;
  private campaign: { resign(): Promise<void> } | undefined;
  private stopped = false;
  private readonly state: DeciderStatus = { leader: false, ticks: 0 };

  constructor(private readonly o: DeciderOptions) {
    this.timers = new Timers(o.ctx.clock, o.ctx.log);
  }

  start(): void {
    this.run();
  }

  status(): DeciderStatus {
    return { ...this.state };
  }

  /** Ends the term (waiting for a tick under way) and resigns, so another agent leads at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.close();
    await this.endTerm('stopping');
    await this.campaign
      ?.resign()
      .catch((err: unknown) => this.o.ctx.log.warn('resign failed', { error: errorText(err) }));
  }

  private run(): void {
    if (this.stopped) return;
    this.campaign = this.o.election.campaign({
      elected: () => this.lead(),
      lost: (reason) => {
        void this.endTerm(reason).then(() => {
          if (this.stopped) return;
          this.timers.at('recampaign', this.o.ctx.clock.now() + (this.o.recampaignMs ?? 1000), async () => this.run());
        });
      },
    });
  }

  private lead(): void {
    const { ctx } = this.o;
    if (this.stopped || this.term) return;
    const timers = new Timers(ctx.clock, ctx.log);
    const runner = new TickRunner(
      (opts) => tick(ctx, { ...opts, lease: false }),
      ctx.log,
      (r) => {
        this.state.ticks++;
        // A move that failed is drift: repair it soon, as the local control plane does.
        if (r.status === 'done' && r.failed > 0)
          timers.at('retry', ctx.clock.now() + 2 * ctx.config.timers.heartbeatInterval, () =>
            runner.request(trigger('retry', `${r.failed} move(s) failed`), { repairDrift: true }),
          );
      },
    );
    const ask = (t: TickTrigger, repairDrift = false) =>
      runner.request(t, { repairDrift }).catch(() => undefined /* logged by the runner */);
    const watch = this.o.changes.watch((detail) => void ask(trigger('heartbeat', detail)));
    this.term = { timers, runner, stopWatch: () => watch.stop() };
    this.state.leader = true;
    this.state.since = ctx.clock.now();
    ctx.log.info('elected decider', { group: ctx.group, instance: ctx.instance });
    // A new decider looks at once: its predecessor may have died with a decision due.
    void ask(trigger('schedule', 'elected'), true);
    const every = this.o.tickEveryMs ?? Math.max(1000, ctx.config.timers.heartbeatInterval);
    timers.every(every, () => ask(trigger('interval', 'interval')));
    timers.every(this.o.reconcileEveryMs ?? 60_000, () => ask(trigger('schedule', 'reconcile'), true));

    function trigger(kind: TickTrigger['kind'], detail: string): TickTrigger {
      return { kind, at: ctx.clock.now(), detail };
    }
  }

  private async endTerm(reason: string): Promise<void> {
    const term = this.term;
    this.state.lastLoss = reason;
    if (!term) return;
    this.term = undefined;
    this.state.leader = false;
    term.timers.close();
    term.runner.close();
    await term.stopWatch().catch((err: unknown) => this.o.ctx.log.warn('watch stop failed', { error: errorText(err) }));
    await term.runner.idle();
    this.o.ctx.log.warn('no longer the decider', { group: this.o.ctx.group, reason });
  }
}
