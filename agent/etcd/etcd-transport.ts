import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config } from '../../core/config';
import { HEARTBEAT_VERSION, HeartbeatSchema, type Heartbeat } from '../../core/heartbeat';
import { foldHeartbeat } from '../../core/node-view';
import type { NodeRecord } from '../../core/ports';
import type { HeartbeatTransport, SendResult } from '../heartbeat/transport';
import type { AssignmentWatch, NodeSession } from './ports';

export interface EtcdTransportOptions {
  config: Config;
  node: string;
  session: NodeSession;
  assignments: AssignmentWatch;
  clock: Clock;
  logger: Logger;
  /** A planned stop waits this long for the decider to move this node's VIPs before the lease goes. Default 2 s. */
  handOverMs?: number;
}

/**
 * The agent's heartbeat transport in etcd mode. No heartbeat crosses the network: each one is
 * folded here into this node's record, which is written to etcd only when it says something new
 * (first word, leaving, a check flipped, what is held or applied changed), so a quiet cluster
 * writes nothing and its agents only keep their leases alive. The answer comes from the
 * assignments etcd's watch last showed, and only while the lease lives: without etcd there is no
 * answer, and after deadAfter the reconciler applies each VIP's onControlLoss, as it does when a
 * control plane stops answering.
 */
export class EtcdTransport implements HeartbeatTransport {
  readonly target: string;
  private written: NodeRecord | undefined;
  private view: NodeRecord['view'] | undefined;
  private closed = false;

  constructor(private readonly o: EtcdTransportOptions) {
    this.target = `etcd (${o.config.cluster}/${o.node})`;
  }

  async send(envelope: string): Promise<SendResult> {
    const started = this.o.clock.now();
    if (this.closed) return { kind: 'failed', reason: 'aborted', message: 'transport closed' };
    let hb: Heartbeat;
    try {
      // Our own heartbeat, built and sealed in this process: parsed, not verified.
      const outer = JSON.parse(envelope) as { payload: string };
      hb = HeartbeatSchema.parse(JSON.parse(outer.payload));
    } catch (err) {
      return { kind: 'failed', reason: 'bad-answer', message: `cannot read own heartbeat: ${(err as Error).message}` };
    }
    const record = this.fold(hb, started);
    const news = newsIn(this.written, record);
    if (news || !this.o.session.alive()) {
      try {
        await this.o.session.put(record);
        this.written = record;
        if (news) this.o.logger.info({ news }, `record written to etcd (${news})`);
      } catch (err) {
        return { kind: 'failed', reason: 'unreachable', message: `etcd: ${(err as Error).message}` };
      }
    }
    const now = this.o.clock.now();
    const seen = this.o.assignments.current();
    if (!seen) return { kind: 'failed', reason: 'unreachable', message: 'etcd: assignments not read yet' };
    if (!this.o.session.alive())
      return { kind: 'failed', reason: 'unreachable', message: 'etcd: node lease not kept alive' };
    return {
      kind: 'answer',
      rttMs: now - started,
      answer: {
        v: HEARTBEAT_VERSION,
        cluster: this.o.config.cluster,
        node: this.o.node,
        receivedAt: now,
        assignments: owned(seen.assignments, this.o.node),
        notes: hb.leaving ? ["leaving: this node's VIPs are being moved"] : [],
        version: seen.version,
        inReplyTo: { bootId: hb.bootId, seq: hb.seq },
      },
    };
  }

  /**
   * A planned stop: the leaving record is written already; give the decider a moment to move this
   * node's VIPs away (reason owner-leaving), then revoke the lease, which deletes the record.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const until = this.o.clock.now() + (this.o.handOverMs ?? 2000);
    while (this.written?.view.leaving && this.o.clock.now() < until) {
      const seen = this.o.assignments.current();
      if (seen && owned(seen.assignments, this.o.node).length === 0) break;
      await this.o.clock.sleep(50);
    }
    await this.o.session.close().catch((err: unknown) => {
      this.o.logger.warn({ err: (err as Error).message }, `could not revoke the node lease: ${(err as Error).message}`);
    });
    await this.o.assignments.close();
  }

  /** The record as the control plane would keep it, on our clock: the decider folds it again on its own. */
  private fold(hb: Heartbeat, now: number): NodeRecord {
    const view = foldHeartbeat(
      this.view,
      hb.node,
      {
        bootId: hb.bootId,
        checks: hb.checks,
        held: hb.held,
        applied: hb.applied,
        leaving: hb.leaving,
        configDigest: hb.configDigest,
      },
      now,
      this.o.config.timers.deadAfter,
    );
    this.view = view;
    return { view, guard: { bootId: hb.bootId, seq: hb.seq, sentAt: hb.sentAt }, applied: { ...hb.applied } };
  }
}

function owned(assignments: readonly { vip: string; node: string | null; epoch: number }[], node: string) {
  return assignments.filter((a) => a.node === node).map((a) => ({ vip: a.vip, epoch: a.epoch }));
}

/** What in a record the decider must hear; the times alone are not news (the lease says alive). */
function newsIn(prev: NodeRecord | undefined, next: NodeRecord): string | undefined {
  if (!prev) return 'first word';
  const [a, b] = [prev.view, next.view];
  if (a.bootId !== b.bootId) return 'new boot';
  if (a.leaving !== b.leaving) return 'leaving';
  if (a.configDigest !== b.configDigest) return 'config digest';
  const names = new Set([...Object.keys(a.checks), ...Object.keys(b.checks)]);
  for (const name of names) if (a.checks[name]?.ok !== b.checks[name]?.ok) return `check ${name}`;
  if (a.held.join(',') !== b.held.join(',')) return 'held';
  if (JSON.stringify(prev.applied) !== JSON.stringify(next.applied)) return 'applied';
  return undefined;
}
