import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import { witnessAddress, type Config, type NodeSpec } from '../../core/config';
import { heartbeatVerifier, type Signer } from '../../core/heartbeat';
import type { HostNet } from '../../core/ports';
import { reportDeadline } from '../../core/witness';
import { Agent, type StopReport } from '../agent';
import type { HeartbeatTransport } from '../heartbeat';
import type { AgentMetrics } from '../ops';
import { UdpPeers } from '../peer/udp-peers';
import type { BindGate } from '../reconcile';
import { startHostFence } from '../peer/host-fence';
import { witnessLease, witnessPeers } from './peers';
import { WitnessLoop } from './witness-loop';

export interface WitnessedAgentOptions {
  config: Config;
  node: NodeSpec;
  signer: Signer;
  /** The cluster's pre-shared key, to verify neighbours (hmac-sha256 clusters). */
  psk?: string;
  hostNet: HostNet;
  hostNetKind: string;
  /** Reports to the control plane (HTTP). */
  transport: HeartbeatTransport;
  clock: Clock;
  logger: Logger;
  metrics?: AgentMetrics;
  gate?: BindGate;
  /** An already open UDP socket (tests); by default one on the node's address and witness port. */
  socket?: UdpPeers;
  /** Run the fence for the addresses only this host carries (when addresses are really plumbed). */
  fence?: boolean;
}

export interface WitnessedAgent {
  agent: Agent;
  loop: WitnessLoop;
  stop(): Promise<StopReport>;
}

/**
 * An agent under witnessed liveness: the same Agent (checks, reconciler, hooks), reporting to the
 * control plane on news and once a keepalive, and a WitnessLoop beating to its ring witnesses over
 * UDP and watching its ring successors.
 */
export async function startWitnessedAgent(o: WitnessedAgentOptions): Promise<WitnessedAgent> {
  const control = o.config.control;
  if (control.mode === 'peer' || control.mode === 'etcd' || control.liveness !== 'witnessed')
    throw new Error('startWitnessedAgent needs control.liveness witnessed');
  const log = o.logger.child({ part: 'witness' });
  const late: { loop?: WitnessLoop } = {};
  const agent = new Agent({
    config: o.config,
    node: o.node,
    signer: o.signer,
    hostNet: o.hostNet,
    hostNetKind: o.hostNetKind,
    transport: o.transport,
    clock: o.clock,
    logger: o.logger,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.gate ? { gate: o.gate } : {}),
    reports: {
      keepaliveMs: control.witness.keepalive,
      controlLossAfterMs: reportDeadline(o.config),
      watch: () => late.loop?.observations() ?? {},
      version: () => late.loop?.version() ?? 0,
      learned: (v) => late.loop?.learned(v),
      cutOff: () => late.loop?.cutOff() ?? false,
      owning: (vips) => fence?.feed(vips),
    },
  });
  // A killed or frozen agent cannot fence itself: a child process removes what only this host
  // carries when the agent stops pinging for the lease (the peer-mode fence, agent/peer/fence.ts).
  const releasedOnLoss = new Set(o.config.vips.filter((v) => v.onControlLoss === 'release').map((v) => v.name));
  const fence = o.fence
    ? startHostFence({
        reconciler: agent.reconciler,
        leaseMs: witnessLease(o.config),
        heartbeatMs: o.config.timers.heartbeatInterval,
        logger: log.child({ part: 'fence' }),
        covered: (vip) => releasedOnLoss.has(vip),
      })
    : undefined;
  await fence?.ready('witnessed liveness needs its fence for addresses only this host carries');
  const own = witnessAddress(o.node);
  // A start that fails here stops the fence first: its child process would keep the agent alive.
  if (!own) {
    await fence?.stop();
    throw new Error(`witnessed liveness needs ${o.node.id}'s address (nodes[].addresses) for its witnesses to send to`);
  }
  // Heard from every node (version news comes from anyone), sent to its witnesses; nobody else is heard.
  const ring = witnessPeers(o.config, o.node.id);
  let socket: UdpPeers;
  try {
    socket =
      o.socket ??
      (await UdpPeers.open({
        port: control.witness.port,
        bind: own,
        peers: ring.witnesses,
        sources: ring.everyone,
        ownAddresses: [own],
        logger: log,
      }));
  } catch (err) {
    await fence?.stop();
    throw err;
  }
  const loop = new WitnessLoop({
    config: o.config,
    node: o.node,
    clock: o.clock,
    verifier: heartbeatVerifier(o.config, o.psk === undefined ? {} : { psk: o.psk }),
    socket,
    builder: agent.builder,
    logger: log,
    report: () => agent.heartbeat.nudge(),
    onCutOff: () => void agent.reconciler.round(),
    ...(o.metrics
      ? {
          metrics: {
            refused: (reason: string) => o.metrics!.witnessRefused.inc({ reason }),
            heard: (node: string, heard: boolean) => o.metrics!.witnessHeard.set({ node }, heard ? 1 : 0),
          },
        }
      : {}),
  });
  late.loop = loop;
  // The loop first: the agent's first report already says what it watches (nothing heard yet).
  loop.start();
  try {
    await agent.start();
  } catch (err) {
    loop.stop();
    await socket.close();
    await fence?.stop();
    throw err;
  }
  log.info(
    { witnesses: loop.targets(), port: control.witness.port, keepaliveMs: control.witness.keepalive },
    'witnessed liveness started',
  );
  return {
    agent,
    loop,
    async stop() {
      const report = await agent.stop({ graceful: true });
      loop.stop();
      fence?.feed([]);
      await fence?.stop();
      await socket.close();
      return report;
    },
  };
}
