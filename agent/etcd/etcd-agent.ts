import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config, NodeSpec } from '../../core/config';
import type { Signer } from '../../core/heartbeat';
import type { HostNet } from '../../core/ports';
import { Agent, type StopReport } from '../agent';
import type { AgentMetrics } from '../ops';
import type { BindGate } from '../reconcile';
import { EtcdTransport } from './etcd-transport';
import type { AssignmentWatch, NodeSession } from './ports';

/** The decider every etcd-mode agent runs (control/etcd/decider.ts), as far as the agent cares. */
export interface DeciderHandle {
  start(): void;
  status(): object;
  stop(): Promise<void>;
}

export interface EtcdAgentOptions {
  config: Config;
  node: NodeSpec;
  signer: Signer;
  hostNet: HostNet;
  hostNetKind: string;
  clock: Clock;
  logger: Logger;
  metrics?: AgentMetrics;
  gate?: BindGate;
  session: NodeSession;
  assignments: AssignmentWatch;
  decider: DeciderHandle;
}

export interface EtcdAgent {
  agent: Agent;
  status(): object;
  stop(): Promise<StopReport>;
}

/**
 * An agent in etcd mode: the same Agent (checks, reconciler, hooks) whose heartbeats become this
 * node's record under its etcd lease (EtcdTransport), whose reconciler is also handed every change
 * of the assignments the moment etcd's watch shows it (no waiting for the next heartbeat), and
 * beside it a decider that leads when etcd's election picks this node.
 */
export async function startEtcdAgent(o: EtcdAgentOptions): Promise<EtcdAgent> {
  const log = o.logger.child({ part: 'etcd' });
  const transport = new EtcdTransport({
    config: o.config,
    node: o.node.id,
    session: o.session,
    assignments: o.assignments,
    clock: o.clock,
    logger: log,
  });
  const agent = new Agent({
    config: o.config,
    node: o.node,
    signer: o.signer,
    hostNet: o.hostNet,
    hostNetKind: o.hostNetKind,
    transport,
    clock: o.clock,
    logger: o.logger,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.gate ? { gate: o.gate } : {}),
  });
  let stopping = false;
  // Bind at once: a watch event is an answer as good as a heartbeat's, and as fenced by epoch.
  o.assignments.onChange(() => {
    const seen = o.assignments.current();
    if (stopping || !seen || !o.session.alive()) return;
    agent.reconciler.accept(
      seen.assignments.filter((a) => a.node === o.node.id).map((a) => ({ vip: a.vip, epoch: a.epoch })),
    );
  });
  await agent.start();
  o.decider.start();
  log.info({ endpoints: transport.target }, 'etcd mode started');
  return {
    agent,
    status: () => ({ ...agent.status(), decider: o.decider.status() }),
    async stop() {
      stopping = true;
      // Resign first, so another agent leads while this one leaves; then break before make, as in
      // peer mode: the addresses go, and only then does the leaving record let the decider move them.
      await o.decider.stop();
      await agent.reconciler.releaseAll();
      return agent.stop({ graceful: true });
    },
  };
}
