import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import { configDigest, type Config, type NodeSpec } from '../../core/config';
import { heartbeatVerifier, type Signer } from '../../core/heartbeat';
import { quorumLease, type PeerDecision } from '../../core/peer';
import { opVerifier } from '../../core/peer/ops';
import type { HostNet } from '../../core/ports';
import { Agent, type StopReport } from '../agent';
import type { AgentMetrics } from '../ops';
import { startHostFence } from './host-fence';
import { PeerOpsBook } from './ops-book';
import { PeerLoop } from './peer-loop';
import { UdpPeers } from './udp-peers';

export interface PeerAgentOptions {
  config: Config;
  node: NodeSpec;
  signer: Signer;
  /** The cluster's pre-shared key, to verify peers (hmac-sha256 clusters). */
  psk?: string;
  hostNet: HostNet;
  hostNetKind: string;
  clock: Clock;
  logger: Logger;
  metrics?: AgentMetrics;
  /** Run the fence (only meaningful when addresses are really plumbed). */
  fence: boolean;
  /** An already open transport: tests run several agents on one loopback, each on its own port. */
  transport?: UdpPeers;
}

export interface PeerAgent {
  agent: Agent;
  loop: PeerLoop;
  /** The operators' drains and pins (agent/peer/ops-book.ts), for the ops server's /v1 routes. */
  ops: PeerOpsBook;
  stop(): Promise<StopReport>;
}

/**
 * An agent in peer mode: the same Agent (checks, heartbeats, reconciler, hooks) with heartbeats
 * sent over UDP to every peer, a PeerLoop deciding what this node holds, and the fence.
 */
export async function startPeerAgent(o: PeerAgentOptions): Promise<PeerAgent> {
  const control = o.config.control;
  if (control.mode !== 'peer') throw new Error('startPeerAgent needs control.mode peer');
  const log = o.logger.child({ part: 'peer' });
  // With multicast, peers may send only to the group: every node's address is a source too.
  const sources = control.multicast
    ? o.config.nodes.flatMap((n) =>
        n.addresses.map((a) => (a.includes(':') ? `[${a}]:${control.port}` : `${a}:${control.port}`)),
      )
    : [];
  const transport =
    o.transport ??
    (await UdpPeers.open({
      port: control.port,
      peers: control.peers,
      sources,
      ownAddresses: o.node.addresses,
      ...(control.multicast ? { multicast: control.multicast } : {}),
      logger: log,
    }));
  // The agent needs the loop's claims and the loop needs the agent's parts: a late-bound reference.
  const late: { loop?: PeerLoop } = {};
  const ops = new PeerOpsBook({
    config: o.config,
    self: o.node.id,
    signer: o.signer,
    verify: opVerifier(o.config, o.psk === undefined ? {} : { psk: o.psk }),
    now: () => o.clock.now(),
    logger: log.child({ part: 'ops' }),
    cluster: () => {
      const s = late.loop?.snapshot();
      // The owner as this node's last decision has it: the control plane's "from" is the committed owner.
      const holder = (vip: string) => s?.last?.decision.assignments.find((a) => a.vip === vip)?.node ?? null;
      return { views: s?.views ?? [], settled: s?.settled ?? false, holder };
    },
    changed: () => late.loop?.opsChanged(),
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
    claiming: () => late.loop?.claiming() ?? [],
    peerOps: () => ops.list(),
    reconcilerEvents: { bound: () => late.loop?.hostChanged(), unbound: () => late.loop?.hostChanged() },
  });
  const loop = new PeerLoop({
    config: o.config,
    node: o.node,
    clock: o.clock,
    verifier: heartbeatVerifier(o.config, o.psk === undefined ? {} : { psk: o.psk }),
    transport,
    reconciler: agent.reconciler,
    checks: agent.checks,
    builder: agent.builder,
    configDigest: configDigest(o.config),
    logger: log,
    owning: (vips) => fence?.feed(vips),
    ops,
    ...(o.metrics ? { decided: (d: PeerDecision) => o.metrics?.peerDecision(d) } : {}),
  });
  late.loop = loop;
  const fence = o.fence
    ? startHostFence({
        reconciler: agent.reconciler,
        leaseMs: quorumLease(o.config),
        heartbeatMs: o.config.timers.heartbeatInterval,
        logger: log.child({ part: 'fence' }),
      })
    : undefined;

  await agent.start();
  // Nothing is bound before the fence reads its pipe: under load a fence (a node process) can take
  // a second or more to start, and an agent frozen meanwhile would have no one to remove its
  // addresses (seen in the LAN lab with other suites running). No fence, no peer mode.
  try {
    await fence?.ready("peer mode needs its fence, which removes this host's addresses if the agent dies or freezes");
  } catch (err) {
    await agent.stop({ graceful: false }).catch(() => undefined);
    throw err;
  }
  loop.start();
  log.info(
    { peers: transport.target, quorum: control.quorum, leaseMs: quorumLease(o.config), fence: !!fence },
    'peer mode started',
  );
  return {
    agent,
    loop,
    ops,
    async stop() {
      loop.stop();
      // Break before make on a planned stop too: the addresses go first, and only then does the
      // leaving heartbeat tell the peers, who claim at once. The other way round, a peer bound
      // within claimHoldoff while this host still carried the address (two responders, seen in the
      // LAN lab on every SIGTERM). agent.stop() then finds nothing left to release.
      await agent.reconciler.releaseAll();
      fence?.feed([]);
      const report = await agent.stop({ graceful: true });
      await fence?.stop();
      return report;
    },
  };
}
