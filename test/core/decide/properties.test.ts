import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../core/config';
import { listedEligible } from '../../../core/config';
import { decide, REASON_CODES, type Decision } from '../../../core/decide';
import { ClusterSim } from '../../../sim/cluster-sim';
import { lan } from '../../helpers/configs';

const CHECKS = { c1: { kind: 'tcp', target: '127.0.0.1:1' }, c2: { kind: 'tcp', target: '127.0.0.1:2' } };

/** A random cluster: 2–7 nodes, 1–16 VIPs, optional preferences, eligibility lists, checks and follows. */
const clusterArb = fc
  .record({
    nodeCount: fc.integer({ min: 2, max: 7 }),
    vips: fc.array(
      fc.record({
        preferred: fc.option(fc.nat(6), { nil: undefined }),
        preempt: fc.boolean(),
        eligible: fc.option(fc.uniqueArray(fc.nat(6), { minLength: 1, maxLength: 4 }), { nil: undefined }),
        checks: fc.subarray(['c1', 'c2']),
        follow: fc.option(fc.nat(15), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 16 },
    ),
  })
  .map(({ nodeCount, vips }) =>
    lan({
      nodes: nodeCount,
      checks: CHECKS,
      timers: { minHold: 20_000, preemptDelay: 10_000, flapBudget: { moves: 4, window: '5m' } },
      vips: vips.map((v, i) => {
        const eligible = v.eligible?.filter((n) => n < nodeCount).map((n) => `n${n + 1}`);
        // Follow only an earlier VIP (no cycles), and a follower carries no preference (the config forbids it).
        const follow = v.follow !== undefined && v.follow < i ? `v${v.follow}` : undefined;
        const preferred =
          follow === undefined && v.preferred !== undefined && v.preferred < nodeCount
            ? `n${v.preferred + 1}`
            : undefined;
        return {
          name: `v${i}`,
          preempt: v.preempt,
          checks: v.checks,
          ...(follow ? { follow } : {}),
          ...(eligible?.length
            ? { eligible: { nodes: preferred && !eligible.includes(preferred) ? [...eligible, preferred] : eligible } }
            : {}),
          ...(preferred ? { preferred } : {}),
        };
      }),
    }),
  );

type Event =
  | { kind: 'kill' | 'revive' | 'drain' | 'undrain' | 'leave'; node: number }
  | { kind: 'check'; node: number; check: 'c1' | 'c2'; ok: boolean }
  | { kind: 'wait'; ms: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constantFrom('kill', 'revive', 'drain', 'undrain', 'leave'), node: fc.nat(6) }),
  fc.record({ kind: fc.constant('check'), node: fc.nat(6), check: fc.constantFrom('c1', 'c2'), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('wait'), ms: fc.integer({ min: 500, max: 40_000 }) }),
) as fc.Arbitrary<Event>;

function apply(sim: ClusterSim, e: Event): void {
  if (e.kind === 'wait') {
    sim.run(e.ms);
    return;
  }
  const id = `n${(e.node % sim.config.nodes.length) + 1}`;
  if (e.kind === 'kill') sim.kill(id);
  else if (e.kind === 'revive') sim.revive(id);
  else if (e.kind === 'leave') sim.leave(id);
  else if (e.kind === 'drain') sim.drain(id, true);
  else if (e.kind === 'undrain') sim.drain(id, false);
  else if (e.kind === 'check') sim.setCheck(id, e.check, e.ok);
  sim.run(sim.config.timers.heartbeatInterval);
}

/** An independent statement of "may this node hold this VIP now" (not the implementation's). */
function fit(sim: ClusterSim, config: Config, vipName: string, nodeId: string, allowDraining: boolean): boolean {
  const vip = config.vips.find((v) => v.name === vipName)!;
  const node = config.nodes.find((n) => n.id === nodeId)!;
  const view = sim.views.get(nodeId);
  if (!view || view.lastSeen === null || sim.now - view.lastSeen > config.timers.deadAfter || view.leaving)
    return false;
  if (view.draining && !allowDraining) return false;
  return listedEligible(vip, node) && vip.checks.every((c) => view.checks[c]?.ok === true);
}

function checkInvariants(sim: ClusterSim, d: Decision): void {
  const config = sim.config;
  // One entry, hence at most one owner, per VIP.
  expect(d.assignments.map((a) => a.vip)).toEqual(config.vips.map((v) => v.name));
  const drainBlocked = new Set(d.diagnostics.filter((x) => x.kind === 'drain-blocked').map((x) => x.vip));
  for (const a of d.assignments) {
    if (a.node !== null) {
      // Every owner alive, healthy, eligible (a draining owner only when nothing else can take the VIP).
      expect(fit(sim, config, a.vip, a.node, drainBlocked.has(a.vip))).toBe(true);
    } else {
      // No VIP unowned while an eligible node exists.
      expect(config.nodes.some((n) => fit(sim, config, a.vip, n.id, false))).toBe(false);
    }
  }
  // A follower sits on its leader's node whenever it can be there.
  for (const v of config.vips) {
    if (!v.follow) continue;
    const leaderNode = d.assignments.find((a) => a.vip === v.follow)!.node;
    const mine = d.assignments.find((a) => a.vip === v.name)!.node;
    if (leaderNode !== null && fit(sim, config, v.name, leaderNode, false)) expect(mine).toBe(leaderNode);
  }
  // No move without a reason.
  for (const m of d.moves) {
    expect(REASON_CODES).toContain(m.reason);
    expect(m.reason).not.toBe('stable');
    expect(m.detail.length).toBeGreaterThan(0);
  }
  const input = { config, nodes: [...sim.views.values()], assignments: d.assignments, now: sim.now };
  // Deciding again on the output changes nothing.
  const again = decide(input);
  expect(again.moves).toEqual([]);
  expect(again.assignments).toEqual(d.assignments);
  // Same input, same output, whatever the order the views arrive in.
  expect(decide({ ...input, nodes: [...input.nodes].reverse() })).toEqual(again);
}

describe('decide() invariants over random clusters and event sequences', () => {
  it('holds every invariant after every decision', () => {
    fc.assert(
      fc.property(clusterArb, fc.array(eventArb, { minLength: 1, maxLength: 25 }), (config, events) => {
        const sim = new ClusterSim(config);
        sim.run(1000);
        checkInvariants(sim, sim.lastDecision!);
        const epochs = new Map(sim.assignments.map((a) => [a.vip, a.epoch]));
        for (const e of events) {
          const seen = sim.history.length;
          apply(sim, e);
          const d = sim.lastDecision!;
          checkInvariants(sim, d);
          const moved = sim.history.slice(seen);
          for (const a of d.assignments) {
            // Epochs never go back, and grow by exactly one per owner change.
            expect(a.epoch).toBe(epochs.get(a.vip)! + moved.filter((m) => m.vip === a.vip).length);
            epochs.set(a.vip, a.epoch);
          }
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });

  it('settles loads to within ±1 when nothing pins VIPs in place', () => {
    const uniform = fc.record({ nodes: fc.integer({ min: 2, max: 8 }), vips: fc.integer({ min: 1, max: 40 }) });
    fc.assert(
      fc.property(uniform, fc.array(eventArb, { maxLength: 12 }), ({ nodes, vips }, events) => {
        const config = lan({
          nodes,
          checks: CHECKS,
          timers: { minHold: 20_000 },
          vips: Array.from({ length: vips }, (_, i) => ({
            name: `v${i}`,
            address: `198.18.${1 + Math.floor(i / 200)}.${(i % 200) + 1}/16`,
          })),
        });
        const sim = new ClusterSim(config);
        sim.run(1000);
        for (const e of events) apply(sim, e);
        // Quiet time: bounded rounds of minHold until no more moves.
        for (let i = 0; i < 60 && sim.run(config.timers.minHold + 1000).length > 0; i++);
        const active = config.nodes.map((n) => n.id).filter((id) => fit(sim, config, 'v0', id, false));
        const loads = active.map((id) => sim.assignments.filter((a) => a.node === id).length);
        if (loads.length > 0) expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 100) },
    );
  });

  it('in peer mode without a majority, never claims or moves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 7 }), fc.integer({ min: 1, max: 10 }), (n, v) => {
        const config = lan({
          nodes: n,
          control: { mode: 'peer' },
          vips: Array.from({ length: v }, (_, i) => ({ name: `v${i}` })),
        });
        const sim = new ClusterSim(config);
        sim.run(1000);
        const before = sim.owners();
        const minority = Math.floor((n - 1) / 2);
        sim.kill(...config.nodes.slice(minority).map((x) => x.id));
        sim.run(10_000);
        expect(sim.owners()).toEqual(before);
        expect(sim.history.filter((m) => m.at > 1_001_000)).toEqual([]);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 50) },
    );
  });
});
