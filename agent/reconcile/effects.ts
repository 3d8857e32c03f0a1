import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { HostNet } from '../../core/ports';
import type { Transition } from '../hooks';
import { Announcer } from '../hostnet/announcer';
import type { BindGate } from './bind-gate';
import type { ManagedVip } from './managed';
import type { Step } from './plan';
import type { HostState } from './state';
import { reasonOf } from './util';

export type HostOp = 'list' | 'bind' | 'unbind' | 'announce';

/** What the reconciler did, for metrics. */
export interface ReconcilerEvents {
  bound?(vip: string, epoch: number): void;
  unbound?(vip: string, why: 'not-assigned' | 'control-loss' | 'stopping'): void;
  failed?(op: HostOp, vip: string | undefined, reason: string): void;
  held?(count: number): void;
}

export interface EffectsOptions {
  hostNet: HostNet;
  clock: Clock;
  logger: Logger;
  gate: BindGate;
  hooks?: { transition(t: Transition): void };
  events?: ReconcilerEvents;
}

/**
 * The fix half of the loop: applies one planned step to the host (bind behind the bind gate,
 * unbind), keeps each held VIP announced, runs the hooks after the host changed, and records the
 * outcome in the state. A failure is logged and counted, never thrown: the next round retries.
 */
export class Effects {
  private readonly announcers = new Map<string, Announcer>();

  constructor(
    private readonly state: HostState,
    private readonly o: EffectsOptions,
  ) {}

  /** Applies one step; false when it did not take and must be tried again. */
  async apply(step: Step, stopping: boolean): Promise<boolean> {
    const m = step.vip;
    switch (step.kind) {
      case 'bind':
        return this.bind(m, step.epoch, step.vanished);
      case 'adopt':
        this.o.logger.info(
          { vip: m.name, epoch: step.epoch },
          `${m.name} was already bound here; adopting it at epoch ${step.epoch}`,
        );
        this.took(m, step.epoch);
        return true;
      case 'retag':
        this.o.logger.info(
          { vip: m.name, epoch: step.epoch, from: step.from },
          `${m.name} stays bound; epoch ${step.from} → ${step.epoch}`,
        );
        this.mark(m, step.epoch);
        // It may have been elsewhere in between: the segment may have learnt another MAC.
        this.announcers.get(m.name)?.restart(m.addr);
        return true;
      case 'unbind':
        return this.unbind(m, stopping ? 'stopping' : step.why);
      case 'forget':
        this.o.logger.warn({ vip: m.name }, `${m.name} disappeared from ${m.addr.interface} (removed by someone else)`);
        this.released(m, 'down', false);
        return true;
    }
  }

  /** Stops every announcement and waits for those under way. Binds stay as they are. */
  async stop(): Promise<void> {
    for (const a of this.announcers.values()) a.stopAll();
    await Promise.all([...this.announcers.values()].map((a) => a.idle()));
    this.announcers.clear();
  }

  /** Logs a failed host operation with its reason and counts it; returns the message. */
  fail(op: HostOp, vip: string | undefined, err: unknown, what: string): string {
    const reason = reasonOf(err);
    const message = err instanceof Error ? err.message : String(err);
    this.o.logger.error({ op, vip, reason, err: message }, `${what}: ${message}`);
    this.o.events?.failed?.(op, vip, reason);
    return message;
  }

  private async bind(m: ManagedVip, epoch: number, vanished: boolean): Promise<boolean> {
    const { logger } = this.o;
    if (vanished)
      logger.warn(
        { vip: m.name },
        `${m.name} disappeared from ${m.addr.interface} (removed by someone else); binding it again`,
      );
    const gate = await this.o.gate.check(m);
    if (!gate.ready) {
      if (this.state.waiting.get(m.name) !== gate.detail)
        logger.info({ vip: m.name, detail: gate.detail }, `${m.name} not bound yet: ${gate.detail}`);
      this.state.waiting.set(m.name, gate.detail);
      return false;
    }
    this.state.waiting.delete(m.name);
    try {
      await this.o.hostNet.bind(m.addr);
    } catch (err) {
      const message = this.fail('bind', m.name, err, `cannot bind ${m.name}; retrying next round`);
      // `fault` once per failing streak, not once per retry.
      if (!this.state.faults.has(m.name)) this.transition(m, 'fault', epoch, false);
      this.state.faults.set(m.name, message);
      return false;
    }
    logger.info(
      { vip: m.name, epoch, address: `${m.addr.address}/${m.addr.prefixLength}`, interface: m.addr.interface },
      `bound ${m.name}`,
    );
    this.o.events?.bound?.(m.name, epoch);
    this.took(m, epoch);
    return true;
  }

  private took(m: ManagedVip, epoch: number): void {
    this.state.faults.delete(m.name);
    this.mark(m, epoch);
    this.state.bound.add(m.name);
    this.announcer(m).start(m.addr);
    this.transition(m, 'up', epoch, false);
  }

  private mark(m: ManagedVip, epoch: number): void {
    this.state.applied.set(m.name, epoch);
    this.state.fence.set(m.name, Math.max(epoch, this.state.fence.get(m.name) ?? 0));
  }

  private async unbind(m: ManagedVip, why: 'not-assigned' | 'control-loss' | 'stopping'): Promise<boolean> {
    this.announcers.get(m.name)?.stop(m.addr);
    try {
      await this.o.hostNet.unbind(m.addr);
    } catch (err) {
      this.fail('unbind', m.name, err, `cannot unbind ${m.name}; retrying next round`);
      return false;
    }
    this.o.logger.info(
      { vip: m.name, why, address: `${m.addr.address}/${m.addr.prefixLength}`, interface: m.addr.interface },
      `unbound ${m.name} (${why})`,
    );
    this.o.events?.unbound?.(m.name, why);
    this.released(m, why === 'control-loss' ? 'fault' : 'down', true);
    return true;
  }

  private released(m: ManagedVip, state: 'down' | 'fault', unbound: boolean): void {
    const epoch = this.state.applied.get(m.name) ?? this.state.owned.get(m.name) ?? 0;
    this.state.applied.delete(m.name);
    this.state.bound.delete(m.name);
    this.state.faults.delete(m.name);
    this.announcers.get(m.name)?.stop(m.addr);
    this.transition(m, state, epoch, unbound || state === 'down');
  }

  private announcer(m: ManagedVip): Announcer {
    let a = this.announcers.get(m.name);
    if (!a) {
      const { count, spacing, refresh } = m.vip.announce;
      a = new Announcer({
        hostNet: this.o.hostNet,
        clock: this.o.clock,
        count,
        spacingMs: spacing,
        refreshMs: refresh,
        onError: (err, _addr, ctx) => {
          if (!ctx.afterStop)
            this.fail(
              'announce',
              m.name,
              err,
              `announcing ${m.name} failed (${ctx.phase}); the next one will try again`,
            );
        },
      });
      this.announcers.set(m.name, a);
    }
    return a;
  }

  private transition(m: ManagedVip, state: Transition['state'], epoch: number, released: boolean): void {
    this.o.hooks?.transition({
      vip: m.name,
      address: m.addr.address,
      interface: m.addr.interface,
      hooks: m.vip.hooks,
      state,
      epoch,
      released,
    });
  }
}
