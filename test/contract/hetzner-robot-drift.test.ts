import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory-store';
import { controlContext } from '../../control/context';
import { observeAll } from '../../control/drift';
import { executeMoves } from '../../control/execute';
import { memoryLog } from '../../lib/log';
import { ManualClock } from '../helpers/manual-clock';
import { robotWorld, type RobotWorld } from './hetzner-robot-world';

/** The control plane spends Robot's read budget on purpose: drift reads at the provider's interval, moves at its deadline. */
let world: RobotWorld | undefined;

afterEach(async () => {
  await world?.emu.close();
  world = undefined;
});

describe('control plane and Robot budgets', () => {
  it("reads Robot for drift no more often than the provider's drift interval (5 min), every other provider each time", async () => {
    const w = (world = await robotWorld());
    const clock = new ManualClock(Date.now());
    const ctx = controlContext({
      config: w.config,
      store: new MemoryStore(),
      clock,
      log: memoryLog(),
      providers: [w.provider],
    });
    const reads = () => w.emu.calls.calls.filter((c) => !c.mutating).length;
    const first = await observeAll({ ...ctx, config: { ...w.config, vips: [w.vip('vip-db')] } });
    expect(first.truth.get('vip-db')).toEqual({ node: 'db1' });
    expect(reads()).toBe(1);
    clock.jump(60_000); // the next reconcile, a minute later: Robot is skipped, not read
    const second = await observeAll({ ...ctx, config: { ...w.config, vips: [w.vip('vip-db')] } });
    expect(second.skipped).toEqual([
      { provider: 'hetzner-robot', nextAt: clock.now() - 60_000 + w.provider.driftIntervalMs },
    ]);
    expect(second.truth.size).toBe(0);
    expect(reads()).toBe(1);
    clock.jump(w.provider.driftIntervalMs);
    await observeAll({ ...ctx, config: { ...w.config, vips: [w.vip('vip-db')] } });
    expect(reads()).toBe(2);
  });

  it("gives a Robot move the provider's deadline, not the 20 s default, on the control plane's clock", async () => {
    const w = (world = await robotWorld());
    const ctx = controlContext({
      config: w.config,
      store: new MemoryStore(),
      clock: w.client.clock,
      log: memoryLog(),
      providers: [w.provider],
    });
    const seen: number[] = [];
    const provider = new Proxy(w.provider, {
      get(target, prop, receiver) {
        if (prop === 'move')
          return (...args: Parameters<typeof target.move>) => (
            seen.push(args[2].deadline - ctx.clock.now()),
            target.move(...args)
          );
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const [report] = await executeMoves({ ...ctx, providers: () => provider }, [
      { eventId: 'e1', vip: w.vip('vip-db'), to: w.node('db2'), epoch: 1, reason: 'owner-dead' as const },
    ]);
    expect(report!.outcome).toMatchObject({ ok: true, changed: true });
    expect(seen[0]).toBeGreaterThan(ctx.tuning.moveDeadlineMs);
    expect(seen[0]).toBeLessThanOrEqual(w.provider.moveDeadlineMs('hetzner-robot-failover-ip'));
  });
});
