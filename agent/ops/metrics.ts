import { collectDefaultMetrics } from 'prom-client';
import type { CheckResult } from '../checks';
import type { SendResult } from '../heartbeat';
import type { HookFailureReport } from '../hooks';
import type { ReconcilerEvents } from '../reconcile';
import type { PeerDecision } from '../../core/peer';
import { DiagnosisMetrics } from '../../lib/diagnosis-metrics';
import { Exposition } from '../../lib/exposition';

/**
 * The agent's Prometheus metrics, declared and rendered through lib/exposition.ts (a registry
 * of its own, so two agents in one test process do not collide). Labels stay low-cardinality: per check, per
 * hook kind, per reason; never per VIP, since a node may carry thousands.
 */
export class AgentMetrics {
  private readonly m = new Exposition();
  readonly registry = this.m.registry;
  readonly heartbeatRtt = this.m.histogram(
    'ipferry_heartbeat_rtt_seconds',
    'Round trip of heartbeats that got an answer',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly heartbeats = this.m.counter('ipferry_heartbeats_total', 'Heartbeats sent, by outcome', ['outcome']);
  readonly heartbeatFailures = this.m.counter(
    'ipferry_heartbeat_failures_total',
    'Heartbeats refused or not answered, by reason',
    ['reason'],
  );
  readonly controlReachable = this.m.gauge('ipferry_control_plane_reachable', '1 when the last heartbeat was answered');
  readonly checkUp = this.m.gauge('ipferry_check_up', 'Check state after rise/fall (1 healthy)', ['check']);
  readonly checkRuns = this.m.counter('ipferry_check_runs_total', 'Check runs, by result', ['check', 'result']);
  readonly checkLatency = this.m.histogram(
    'ipferry_check_latency_seconds',
    'How long each check run took',
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ['check'],
  );
  readonly vipsHeld = this.m.gauge('ipferry_vips_held', 'Managed VIPs bound on this host');
  readonly binds = this.m.counter('ipferry_vip_binds_total', 'VIPs bound on this host (takeovers)');
  readonly unbinds = this.m.counter('ipferry_vip_unbinds_total', 'VIPs unbound on this host, by why', ['why']);
  readonly hostErrors = this.m.counter('ipferry_host_errors_total', 'Failed host operations, by operation and reason', [
    'op',
    'reason',
  ]);
  readonly hookFailures = this.m.counter(
    'ipferry_hook_failures_total',
    'Failed hook runs, by hook and reason (timeout, exit, signal, output, not-run, refused)',
    ['hook', 'reason'],
  );
  readonly witnessRefused = this.m.counter(
    'ipferry_witness_refused_total',
    'Witness datagrams refused, by reason (not-a-node, bad-signature, replayed, …)',
    ['reason'],
  );
  readonly witnessHeard = this.m.gauge(
    'ipferry_witness_heard',
    'Each watched node: 1 heard within deadAfter, 0 silent',
    ['node'],
  );

  readonly peerQuorum = this.m.gauge(
    'ipferry_peer_quorum',
    'Peer mode: peers heard within the quorum lease (this node included), peers needed, and ok (1 while quorum holds)',
    ['what'],
  );
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
    return this.m.render();
  }
}
