import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CheckResult } from '../checks';
import type { SendResult } from '../heartbeat';
import type { HookFailureReport } from '../hooks';
import type { ReconcilerEvents } from '../reconcile';
import type { PeerDecision } from '../../core/peer';
import { DiagnosisMetrics } from '../../lib/diagnosis-metrics';

/**
 * The agent's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * two agents in one test process do not collide). Labels stay low-cardinality: per check, per
 * hook kind, per reason; never per VIP, since a node may carry thousands.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly r = [this.registry];
  readonly heartbeatRtt = new Histogram({
    name: 'ipferry_heartbeat_rtt_seconds',
    help: 'Round trip of heartbeats that got an answer',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: this.r,
  });
  readonly heartbeats = new Counter({
    name: 'ipferry_heartbeats_total',
    help: 'Heartbeats sent, by outcome',
    labelNames: ['outcome'],
    registers: this.r,
  });
  readonly heartbeatFailures = new Counter({
    name: 'ipferry_heartbeat_failures_total',
    help: 'Heartbeats refused or not answered, by reason',
    labelNames: ['reason'],
    registers: this.r,
  });
  readonly controlReachable = new Gauge({
    name: 'ipferry_control_plane_reachable',
    help: '1 when the last heartbeat was answered',
    registers: this.r,
  });
  readonly checkUp = new Gauge({
    name: 'ipferry_check_up',
    help: 'Check state after rise/fall (1 healthy)',
    labelNames: ['check'],
    registers: this.r,
  });
  readonly checkRuns = new Counter({
    name: 'ipferry_check_runs_total',
    help: 'Check runs, by result',
    labelNames: ['check', 'result'],
    registers: this.r,
  });
  readonly checkLatency = new Histogram({
    name: 'ipferry_check_latency_seconds',
    help: 'How long each check run took',
    labelNames: ['check'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: this.r,
  });
  readonly vipsHeld = new Gauge({
    name: 'ipferry_vips_held',
    help: 'Managed VIPs bound on this host',
    registers: this.r,
  });
  readonly binds = new Counter({
    name: 'ipferry_vip_binds_total',
    help: 'VIPs bound on this host (takeovers)',
    registers: this.r,
  });
  readonly unbinds = new Counter({
    name: 'ipferry_vip_unbinds_total',
    help: 'VIPs unbound on this host, by why',
    labelNames: ['why'],
    registers: this.r,
  });
  readonly hostErrors = new Counter({
    name: 'ipferry_host_errors_total',
    help: 'Failed host operations, by operation and reason',
    labelNames: ['op', 'reason'],
    registers: this.r,
  });
  readonly hookFailures = new Counter({
    name: 'ipferry_hook_failures_total',
    help: 'Failed hook runs, by hook and reason (timeout, exit, signal, output, not-run, refused)',
    labelNames: ['hook', 'reason'],
    registers: this.r,
  });
  readonly witnessRefused = new Counter({
    name: 'ipferry_witness_refused_total',
    help: 'Witness datagrams refused, by reason (not-a-node, bad-signature, replayed, …)',
    labelNames: ['reason'],
    registers: this.r,
  });
  readonly witnessHeard = new Gauge({
    name: 'ipferry_witness_heard',
    help: 'Each watched node: 1 heard within deadAfter, 0 silent',
    labelNames: ['node'],
    registers: this.r,
  });

  readonly peerQuorum = new Gauge({
    name: 'ipferry_peer_quorum',
    help: 'Peer mode: peers heard within the quorum lease (this node included), peers needed, and ok (1 while quorum holds)',
    labelNames: ['what'],
    registers: this.r,
  });
  /** Peer mode: this node's diagnoses (no-quorum, unsafe, dual-holder, …), bounded as lib/diagnosis-metrics.ts says. */
  readonly diagnoses = new DiagnosisMetrics(this.registry);
  private lastDiagnoses = '';

  constructor(options: { processMetrics?: boolean } = {}) {
    // Event loop lag sampled once a second, not prom-client's 100 times: each sample is a timer
    // wake-up of its own (the 10 ms default alone cost the agent about 0.4% of a core, bench/agent.ts),
    // and a loop held up for long enough to matter still shows.
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'ipferry_', eventLoopMonitoringPrecision: 1000 });
  }

  checkResult(r: CheckResult): void {
    this.checkUp.set({ check: r.name }, r.state.ok ? 1 : 0);
    this.checkRuns.inc({ check: r.name, result: r.outcome.ok ? 'ok' : 'fail' });
    this.checkLatency.observe({ check: r.name }, r.outcome.latencyMs / 1000);
  }

  heartbeat(result: SendResult): void {
    this.heartbeats.inc({ outcome: result.kind });
    if (result.kind === 'answer' || result.kind === 'sent') {
      this.controlReachable.set(1);
      this.heartbeatRtt.observe(result.rttMs / 1000);
    } else if (!(result.kind === 'failed' && result.reason === 'aborted')) {
      this.controlReachable.set(0);
      this.heartbeatFailures.inc({ reason: result.reason });
    }
  }

  hookFailed(f: HookFailureReport): void {
    this.hookFailures.inc({ hook: f.hook, reason: f.reason });
  }

  /** Every peer decision: quorum as it stands, and the diagnoses when they changed. */
  peerDecision(d: Pick<PeerDecision, 'quorum' | 'decision'>): void {
    this.peerQuorum.set({ what: 'heard' }, d.quorum.heard);
    this.peerQuorum.set({ what: 'needed' }, d.quorum.needed);
    this.peerQuorum.set({ what: 'ok' }, d.quorum.ok ? 1 : 0);
    const active = d.decision.diagnostics.map((x) => ({ code: x.kind, ...(x.vip ? { vip: x.vip } : {}) }));
    const key = JSON.stringify(active);
    if (key === this.lastDiagnoses) return;
    this.lastDiagnoses = key;
    this.diagnoses.set(active);
  }

  /** The reconciler's events, counted. */
  reconcilerEvents(): ReconcilerEvents {
    return {
      bound: () => this.binds.inc(),
      unbound: (_vip, why) => this.unbinds.inc({ why }),
      failed: (op, _vip, reason) => this.hostErrors.inc({ op, reason }),
      held: (count) => this.vipsHeld.set(count),
    };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
