import { performance } from 'node:perf_hooks';
import { apiHandler } from '../../functions/api';
import { heartbeatHandler } from '../../functions/heartbeat';
import { scheduleHandler } from '../../functions/tick';
import { witnessRing } from '../../core/witness';
import type { FunctionName } from '../../infra/props';
import { lambdaContext, scheduledEvent, urlEvent } from '../../test/functions/events';
import { BenchAgent } from './agents';
import type { CostCluster } from './cluster';
import { emfMetrics, ingestedBytes, platformLines } from './logs';
import type { StackFacts } from './template';
import type { CostWorld } from './world';

/** Invocation kinds the month is made of; `event` is one failover and return, start to finish. */
export type Kind = 'message' | 'tick' | 'api' | 'event';

/** Sums over the sampled invocations of one kind. */
export interface KindTotals {
  invocations: Record<FunctionName, number>;
  billedMs: Record<FunctionName, number>;
  rru: number;
  wru: number;
  logBytes: number;
}

export interface SampleResult {
  totals: Record<Kind, KindTotals>;
  /** How many times the sampled event ran (its totals are for all of them). */
  events: number;
  metrics: Set<string>;
  /** One witness heartbeat on the wire: the envelope plus 20 bytes of IPv4 and 8 of UDP header. */
  witnessDatagramBytes: number;
}

export interface SampleSizes {
  messages: number;
  ticks: number;
  api: number;
}

const zero = (): Record<FunctionName, number> => ({ heartbeat: 0, tick: 0, api: 0 });
const emptyTotals = (): KindTotals => ({ invocations: zero(), billedMs: zero(), rru: 0, wru: 0, logBytes: 0 });

/**
 * Runs the real handlers on a bounded sample: `messages` heartbeats (direct) or keepalive reports
 * (witnessed) round robin over the nodes, each at the time the workload puts it; `ticks`
 * scheduled ticks and `api` status calls spread among them; then (witnessed) one failover and
 * return. Each invocation is timed (billed: rounded up to 1 ms), its DynamoDB units and its log
 * lines (with Lambda's own) counted.
 */
export async function sample(
  cluster: CostCluster,
  facts: StackFacts,
  world: CostWorld,
  sizes: SampleSizes,
): Promise<SampleResult> {
  const { config } = cluster;
  const { clock, runtimes } = world;
  const witnessed =
    config.control.mode !== 'peer' && config.control.mode !== 'etcd' && config.control.liveness === 'witnessed';
  const purpose = witnessed ? 'report' : 'control';
  const agents = new Map(
    config.nodes.map((n) => [n.id, new BenchAgent(n.id, config, cluster.keys.get(n.id)!, () => clock.now())]),
  );
  const totals: Record<Kind, KindTotals> = {
    message: emptyTotals(),
    tick: emptyTotals(),
    api: emptyTotals(),
    event: emptyTotals(),
  };
  const metrics = new Set<string>();
  let counting = false;

  const invoke = async (kind: Kind, fn: FunctionName, call: () => Promise<unknown>): Promise<unknown> => {
    const before = { rru: world.capacity.rru, wru: world.capacity.wru };
    world.logs.takeLines();
    const started = performance.now();
    const result = await call();
    const ms = performance.now() - started;
    const lines = world.logs.takeLines();
    if (!counting) return result;
    for (const m of emfMetrics(lines)) metrics.add(m);
    const all = [
      ...lines,
      ...platformLines({
        format: facts.logFormat[fn],
        durationMs: ms,
        memoryMb: facts.memoryMb[fn],
        maxMemoryMb: Math.round(process.memoryUsage().rss / 2 ** 20),
        tracing: facts.tracing[fn],
      }),
    ];
    const t = totals[kind];
    t.invocations[fn] += 1;
    t.billedMs[fn] += Math.ceil(ms);
    t.rru += world.capacity.rru - before.rru;
    t.wru += world.capacity.wru - before.wru;
    t.logBytes += ingestedBytes(all, 26);
    return result;
  };
  const send = async (kind: Kind, node: string): Promise<void> => {
    const agent = agents.get(node)!;
    const res = (await invoke(kind, 'heartbeat', () =>
      heartbeatHandler(runtimes.heartbeat, urlEvent({ body: agent.envelope(purpose) }), lambdaContext()),
    )) as { statusCode?: number; body?: string };
    if (res.statusCode !== 200) throw new Error(`${node}'s ${purpose} was refused: ${res.statusCode} ${res.body}`);
    agent.apply(res.body ?? '');
  };
  const tick = () =>
    invoke('tick', 'tick', () => scheduleHandler(runtimes.tick, scheduledEvent(), lambdaContext(50_000)));
  const status = () =>
    invoke('api', 'api', () =>
      apiHandler(
        runtimes.api,
        urlEvent({ method: 'GET', path: '/v1/status', callerArn: 'arn:aws:iam::111111111111:user/operator' }),
        lambdaContext(),
      ),
    );

  // Warm-up, not counted: every node's first word, a tick that commits the assignments, and a
  // round in which each node reports what it applied; the cluster is then in its quiet state.
  const ids = config.nodes.map((n) => n.id);
  const gap =
    (witnessed && config.control.mode !== 'peer' && config.control.mode !== 'etcd'
      ? config.control.witness.keepalive
      : config.timers.heartbeatInterval) / ids.length;
  for (let round = 0; round < 3; round++) {
    for (const id of ids) {
      clock.advanceTo(clock.now() + gap);
      await send('message', id);
    }
    if (round === 0) await tick();
  }

  counting = true;
  const tickEvery = Math.max(1, Math.floor(sizes.messages / Math.max(1, sizes.ticks)));
  const apiEvery = Math.max(1, Math.floor(sizes.messages / Math.max(1, sizes.api)));
  for (let i = 0; i < sizes.messages; i++) {
    clock.advanceTo(clock.now() + gap);
    await send('message', ids[i % ids.length]!);
    if ((i + 1) % tickEvery === 0 && totals.tick.invocations.tick < sizes.ticks) await tick();
    if ((i + 1) % apiEvery === 0 && totals.api.invocations.api < sizes.api) await status();
  }
  let events = 0;
  if (witnessed) {
    const owners = async (): Promise<Owners> =>
      new Map((await runtimes.tick.store.loadAssignments(config.cluster)).assignments.map((a) => [a.vip, a.node]));
    await failoverAndReturn(cluster, agents, clock, {
      report: (node) => send('event', node),
      scheduledTick: () =>
        invoke('event', 'tick', () => scheduleHandler(runtimes.tick, scheduledEvent(), lambdaContext(50_000))),
      owners,
    });
    events = 1;
  }
  const ring = witnessRing(config);
  const first = agents.get(ids[0]!)!;
  const witnessDatagramBytes = ring.k > 0 ? Buffer.byteLength(first.envelope('witness')) + 28 : 0;
  return { totals, events, metrics, witnessDatagramBytes };
}

/**
 * One failover and the way back, as witnessed agents would tell it: the first node (owner of the
 * Elastic IP and of its own secondary IP) goes silent; its witnesses report it silent after
 * deadAfter (the report that tips the majority runs the failover tick in the heartbeat function);
 * the node comes back with a new boot and reports; its witnesses report it heard; after
 * preemptDelay the next scheduled tick may move its addresses home. Every node that gained or lost
 * an address on the way reports its new state once.
 */
async function failoverAndReturn(
  cluster: CostCluster,
  agents: Map<string, BenchAgent>,
  clock: CostWorld['clock'],
  io: { report: (node: string) => Promise<void>; scheduledTick: () => Promise<unknown>; owners: () => Promise<Owners> },
): Promise<void> {
  const { config } = cluster;
  const ring = witnessRing(config);
  const victim = config.nodes[0]!.id;
  const watchers = config.nodes.map((n) => n.id).filter((w) => ring.watches(w, victim));
  const reportChanged = async (before: Owners) => {
    for (const id of changed(before, await io.owners())) if (id !== victim) await io.report(id);
  };
  let before = await io.owners();
  clock.advanceTo(clock.now() + config.timers.deadAfter + config.timers.heartbeatInterval);
  for (const w of watchers) {
    agents.get(w)!.setHeard(victim, false);
    await io.report(w);
  }
  await reportChanged(before);
  clock.advanceTo(clock.now() + config.timers.heartbeatInterval);
  agents.get(victim)!.restart();
  await io.report(victim);
  for (const w of watchers) {
    agents.get(w)!.setHeard(victim, true);
    await io.report(w);
  }
  before = await io.owners();
  clock.advanceTo(clock.now() + config.timers.preemptDelay + config.timers.heartbeatInterval);
  await io.scheduledTick();
  await io.report(victim);
  await reportChanged(before);
}

type Owners = Map<string, string | null>;

/** The nodes that gained or lost an address between two readings of the assignments. */
function changed(before: Owners, after: Owners): string[] {
  const out = new Set<string>();
  for (const [vip, node] of after) {
    const was = before.get(vip) ?? null;
    if (was === node) continue;
    if (was) out.add(was);
    if (node) out.add(node);
  }
  return [...out];
}
