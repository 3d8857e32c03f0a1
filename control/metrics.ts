import type { Diagnostic } from '../core/decide';
import { StoreError, type Store } from '../core/ports';
import { DiagnosisMetrics, labelValue, type ActiveDiagnosis } from '../lib/diagnosis-metrics';
import { Exposition } from '../lib/exposition';
import type { ProviderDiagnosis } from './context';
import type { TickMove, TickResult } from './tick';

/**
 * The local control plane's Prometheus metrics (GET /metrics): what an operator alerts on —
 * heartbeats refused, ticks that fail or keep conflicting, moves that fail, VIPs without an owner,
 * diagnoses, store errors. Declared and rendered through lib/exposition.ts. Labels are reasons,
 * outcomes and codes, all from fixed sets, except the diagnosis's VIP (bounded: lib/diagnosis-metrics.ts).
 */
export class ControlMetrics {
  private readonly m = new Exposition();
  readonly registry = this.m.registry;
  readonly heartbeats = this.m.counter(
    'ipferry_control_heartbeats_total',
    'Heartbeats and reports received, by outcome (accepted, refused) and refusal reason',
    ['outcome', 'reason'],
  );
  readonly ticks = this.m.counter(
    'ipferry_control_ticks_total',
    'Ticks run, by status (done, busy: lease held or start-up, conflict, failed)',
    ['status'],
  );
  readonly tickSeconds = this.m.histogram(
    'ipferry_control_tick_seconds',
    'How long a tick took, provider calls included',
    [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  );
  readonly conflicts = this.m.counter(
    'ipferry_control_commit_conflicts_total',
    'Commits that lost the compare-and-set to another writer and decided again',
  );
  readonly moves = this.m.counter(
    'ipferry_control_moves_total',
    'Moves and drift repairs, by reason (owner-dead, drain, manual, drift, …) and outcome (ok, failed, skipped, pending)',
    ['reason', 'outcome'],
  );
  readonly unowned = this.m.gauge('ipferry_control_vips_unowned', 'VIPs that the last decision left without an owner');
  readonly version = this.m.gauge(
    'ipferry_control_assignments_version',
    'The committed assignments version after the last tick',
  );
  readonly storeErrors = this.m.counter(
    'ipferry_control_store_errors_total',
    'Store calls that failed, by operation and reason (transient, throttled, invalid, …)',
    ['op', 'reason'],
  );
  readonly diagnoses = new DiagnosisMetrics(this.registry);

  /** `vips`: how many VIPs the config has (one never assigned has no owner either). */
  constructor(private readonly vips: number) {}

  heartbeat(reply: { ok: true } | { ok: false; body: { error: { reason: string } } }): void {
    if (reply.ok) this.heartbeats.inc({ outcome: 'accepted', reason: '' });
    else this.heartbeats.inc({ outcome: 'refused', reason: labelValue(reply.body.error.reason) });
  }

  /** A tick's result, with the providers' diagnoses as its drift round left them. */
  tick(
    r: TickResult | 'failed',
    seconds: number,
    providerDiagnoses: ReadonlyMap<{ readonly name: string }, ProviderDiagnosis> = new Map(),
  ): void {
    this.ticks.inc({ status: r === 'failed' ? 'failed' : r.status });
    this.tickSeconds.observe(seconds);
    if (r === 'failed' || r.status === 'busy') return;
    if (r.conflicts > 0) this.conflicts.inc(r.conflicts);
    if (r.status !== 'done') return;
    this.version.set(r.version);
    this.unowned.set(Math.max(0, this.vips - r.assignments.filter((a) => a.node !== null).length));
    for (const m of [...r.moves, ...r.repairs]) this.moves.inc({ reason: m.reason, outcome: outcomeOf(m) });
    this.diagnoses.set([...r.diagnostics.map(fromDecide), ...fromProviders(providerDiagnoses)]);
  }

  /** The store, with every failed call counted by operation and reason. */
  countErrors(store: Store): Store {
    const counted =
      <A extends unknown[], R>(op: string, call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        try {
          return await call(...args);
        } catch (err) {
          this.storeErrors.inc({ op, reason: err instanceof StoreError ? err.reason : 'unclassified' });
          throw err;
        }
      };
    return {
      putHeartbeat: counted('putHeartbeat', store.putHeartbeat.bind(store)),
      loadGroup: counted('loadGroup', store.loadGroup.bind(store)),
      loadNode: counted('loadNode', store.loadNode.bind(store)),
      loadAssignments: counted('loadAssignments', store.loadAssignments.bind(store)),
      commit: counted('commit', store.commit.bind(store)),
      appendEvents: counted('appendEvents', store.appendEvents.bind(store)),
      markTimeline: counted('markTimeline', store.markTimeline.bind(store)),
      listEvents: counted('listEvents', store.listEvents.bind(store)),
      setDraining: counted('setDraining', store.setDraining.bind(store)),
      acquireLease: counted('acquireLease', store.acquireLease.bind(store)),
      releaseLease: counted('releaseLease', store.releaseLease.bind(store)),
    };
  }

  text(): Promise<string> {
    return this.m.render();
  }
}

function outcomeOf(m: TickMove): string {
  if (!m.outcome) return 'pending';
  if (m.outcome.ok) return 'ok';
  return m.outcome.skipped ? 'skipped' : 'failed';
}

function fromDecide(d: Diagnostic): ActiveDiagnosis {
  return { code: d.kind, ...(d.vip ? { vip: d.vip } : {}) };
}

/** A provider's findings under the code `provider:<name>`; a diagnose call that failed as `provider-unreadable:<name>`. */
function fromProviders(diagnoses: ReadonlyMap<{ readonly name: string }, ProviderDiagnosis>): ActiveDiagnosis[] {
  const out: ActiveDiagnosis[] = [];
  for (const [p, d] of diagnoses) {
    for (const f of d.found) out.push({ code: `provider:${p.name}`, vip: f.vip });
    if (d.error !== undefined) out.push({ code: `provider-unreadable:${p.name}` });
  }
  return out;
}
