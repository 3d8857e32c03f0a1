import { performance } from 'node:perf_hooks';
import { tick, type TickResult } from '../../control/tick';
import type { TickWorld } from './world';

export type TickCase = 'first' | 'steady' | 'failover';

/** One JSON line of `npm run bench:tick`. */
export interface TickLine {
  case: TickCase;
  vips: number;
  nodes: number;
  subnets: number;
  ticks: number;
  ms_p50: number;
  ms_p99: number;
  /** Resident set of the whole process (the control loop, dynalite's worker and the EC2 emulator share it). */
  rss_mb: number;
  /** Per tick, as a median: EC2 API calls the emulator served, DynamoDB requests sent. */
  ec2_calls: number;
  dynamo_calls: number;
  /** Per tick, as a median: VIPs whose owner the tick committed anew, and drift repairs. */
  moves: number;
  repairs: number;
}

/** A tick that did not do what its case needs is a broken bench, not a slow one: it stops the run. */
export class TickBenchError extends Error {
  override name = 'TickBenchError';
}

interface Sample {
  ms: number;
  ec2: number;
  dynamo: number;
  moves: number;
  repairs: number;
}

/**
 * Runs `ticks` scheduled ticks of one case (each observes EC2, decides, commits, repairs drift)
 * and summarises them. Only `tick()` is timed; what sets a case up (new table, reports, a node's
 * witnesses calling it silent) is done between timings, as agents would have done before.
 */
export async function runCase(world: TickWorld, kind: TickCase, ticks: number, subnets: number): Promise<TickLine> {
  const samples: Sample[] = [];
  for (let i = 0; i < ticks; i++) {
    await prepare(world, kind, i);
    samples.push(await timedTick(world, kind));
  }
  const median = (f: (s: Sample) => number) => percentile(samples.map(f), 50);
  return {
    case: kind,
    vips: world.config.vips.length,
    nodes: world.config.nodes.length,
    subnets,
    ticks,
    ms_p50: round(median((s) => s.ms)),
    ms_p99: round(
      percentile(
        samples.map((s) => s.ms),
        99,
      ),
    ),
    rss_mb: round(process.memoryUsage().rss / 2 ** 20),
    ec2_calls: median((s) => s.ec2),
    dynamo_calls: median((s) => s.dynamo),
    moves: median((s) => s.moves),
    repairs: median((s) => s.repairs),
  };
}

/** first: an empty table; steady: the placement stands; failover: one more node falls silent. */
async function prepare(world: TickWorld, kind: TickCase, i: number): Promise<void> {
  const { clock, config } = world;
  if (kind === 'first') await world.freshTable();
  await world.reportAll();
  if (kind === 'failover') {
    // A different node each time, one per subnet in turn: every node it leaves behind is still alive.
    const victim = config.nodes[(i * 17) % config.nodes.length]!.id;
    await world.silence(victim, clock.now());
    clock.advance(config.timers.deadAfter + 1);
  }
}

async function timedTick(world: TickWorld, kind: TickCase): Promise<Sample> {
  const ec2Before = world.ec2.calls.calls.length;
  const dynamoBefore = world.dynamoCalls.count;
  const started = performance.now();
  const r = await tick(world.ctx, {
    trigger: { kind: 'schedule', at: world.clock.now(), detail: `bench:tick ${kind}` },
    repairDrift: true,
  });
  const ms = performance.now() - started;
  const done = expectDone(r, kind);
  expectPlaced(world, done, kind);
  return {
    ms,
    ec2: world.ec2.calls.calls.length - ec2Before,
    dynamo: world.dynamoCalls.count - dynamoBefore,
    moves: done.moves.length,
    repairs: done.repairs.length,
  };
}

function expectDone(r: TickResult, kind: TickCase): Extract<TickResult, { status: 'done' }> {
  if (r.status !== 'done') throw new TickBenchError(`${kind} tick ended ${r.status}: ${JSON.stringify(r)}`);
  if (r.failed > 0)
    throw new TickBenchError(
      `${kind} tick: ${r.failed} moves or repairs failed: ${r.moves
        .concat(r.repairs)
        .filter((m) => m.outcome && !m.outcome.ok)
        .slice(0, 3)
        .map((m) => JSON.stringify(m.outcome))
        .join('; ')}`,
    );
  if (kind === 'failover' && r.moves.length === 0) throw new TickBenchError('failover tick moved nothing');
  return r;
}

/** Every VIP has a committed owner, and EC2's truth (true state, not the lagged view) says the same. */
function expectPlaced(world: TickWorld, r: Extract<TickResult, { status: 'done' }>, kind: TickCase): void {
  const eniOf = new Map(world.config.nodes.map((n) => [n.id, n.aws?.eni]));
  const byVip = new Map(r.assignments.map((a) => [a.vip, a.node]));
  for (const v of world.config.vips) {
    const owner = byVip.get(v.name);
    if (!owner) throw new TickBenchError(`${kind} tick left ${v.name} without an owner`);
    const holder = world.ec2.holderOfPrivateIp(v.ip!.text);
    if (holder !== eniOf.get(owner))
      throw new TickBenchError(
        `${kind} tick: ${v.name} is committed to ${owner} but EC2 has it on ${holder ?? 'nobody'}`,
      );
  }
}

/** Nearest-rank percentile: with 5–7 samples p99 is the slowest, which is what it should say. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
