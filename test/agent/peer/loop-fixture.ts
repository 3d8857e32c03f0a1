import pino from 'pino';
import { Agent } from '../../../agent/agent';
import { HeartbeatBuilder } from '../../../agent/heartbeat';
import type { HeartbeatTransport, SendResult } from '../../../agent/heartbeat/transport';
import { RecordingHostNet } from '../../../agent/hostnet';
import { PeerLoop } from '../../../agent/peer/peer-loop';
import type { UdpPeers } from '../../../agent/peer/udp-peers';
import { configDigest, type Config } from '../../../core/config';
import { heartbeatVerifier, hmacSigner } from '../../../core/heartbeat';
import type { HostAddress } from '../../../core/ports';
import { lan } from '../../helpers/configs';
import { ManualClock } from '../../helpers/manual-clock';

export const PSK = 'test-psk-0123456789abcdef';
export const WEB: HostAddress = { address: '198.18.0.101', prefixLength: 24, family: 4, interface: 'eth0' };

/** Three nodes, web preferred by n1, peer defaults (heartbeat 200 ms, deadAfter 600 ms, lease 300 ms). */
export function trio(timers: Record<string, unknown> = {}): Config {
  return lan({
    nodes: 3,
    control: { mode: 'peer' },
    timers: { heartbeatInterval: 200, deadAfter: 600, ...timers },
    vips: [{ name: 'web', preferred: 'n1' }],
  });
}

/** A peer that exists only as the heartbeats the test makes it send. */
export class FakePeer {
  held: string[] = [];
  applied: Record<string, number> = {};
  claiming: string[] = [];
  private builder: HeartbeatBuilder;

  /** Where its datagrams come from: its node address, as a configured peer. */
  readonly from: string;

  constructor(
    readonly id: string,
    private readonly config: Config,
    private readonly clock: ManualClock,
  ) {
    this.builder = this.newBuilder();
    this.from = `${config.nodes.find((n) => n.id === id)!.addresses[0]!}:7401`;
  }

  /** A sealed heartbeat saying what this peer holds now. */
  envelope(): Buffer {
    return Buffer.from(this.builder.build().envelope);
  }

  /** A new process: new boot id, nothing held. */
  restart(): void {
    this.held = [];
    this.applied = {};
    this.claiming = [];
    this.builder = this.newBuilder();
  }

  private newBuilder(): HeartbeatBuilder {
    return new HeartbeatBuilder({
      cluster: this.config.cluster,
      node: this.id,
      configDigest: configDigest(this.config),
      signer: hmacSigner(PSK),
      now: () => this.clock.now(),
      sources: {
        checks: () => ({}),
        held: () => this.held,
        applied: () => this.applied,
        claiming: () => this.claiming,
        takeHookFailures: () => [],
      },
    });
  }
}

/** Records what the agent sends; peers' datagrams are handed to the loop by the test. */
class FakeUdp implements HeartbeatTransport {
  readonly target = 'udp (test)';
  readonly sent: string[] = [];
  async send(envelope: string): Promise<SendResult> {
    this.sent.push(envelope);
    return { kind: 'sent', rttMs: 0 };
  }
  onDatagram(): void {}
  async close(): Promise<void> {}
}

/**
 * One agent (n1) in peer mode on a clock the test drives: the real Agent, reconciler and PeerLoop,
 * a recording host, and peers n2, n3 that are only the heartbeats the test makes them say.
 */
export async function loopFixture(config = trio()) {
  const clock = new ManualClock(1_800_000_000_000);
  const host = new RecordingHostNet({ now: () => clock.now() });
  // Binds can be held back (a slow `ip addr add`) to look at the moment between decision and bind.
  const bindGate = { open: true, waiting: [] as Array<() => void> };
  const bind = host.bind.bind(host);
  host.bind = async (addr) => {
    if (!bindGate.open) await new Promise<void>((r) => bindGate.waiting.push(r));
    return bind(addr);
  };
  const holdBinds = () => void (bindGate.open = false);
  const releaseBinds = () => {
    bindGate.open = true;
    for (const r of bindGate.waiting.splice(0)) r();
  };
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const node = config.nodes[0]!;
  const transport = new FakeUdp();
  const late: { loop?: PeerLoop } = {};
  const agent = new Agent({
    config,
    node,
    signer: hmacSigner(PSK),
    hostNet: host,
    hostNetKind: 'recording (test)',
    transport,
    clock,
    logger,
    claiming: () => late.loop?.claiming() ?? [],
    reconcilerEvents: { bound: () => late.loop?.hostChanged(), unbound: () => late.loop?.hostChanged() },
  });
  /** Every `owning` call, with how many host operations had happened by then. */
  const owning: Array<{ vips: readonly string[]; opsBefore: number }> = [];
  const loop = new PeerLoop({
    config,
    node,
    clock,
    verifier: heartbeatVerifier(config, { psk: PSK }),
    transport: transport as unknown as UdpPeers,
    reconciler: agent.reconciler,
    checks: agent.checks,
    builder: agent.builder,
    configDigest: configDigest(config),
    logger,
    owning: (vips) => owning.push({ vips, opsBefore: host.operations.length }),
  });
  late.loop = loop;
  await agent.start();
  loop.start();
  const peers = new Map(config.nodes.slice(1).map((n) => [n.id, new FakePeer(n.id, config, clock)]));

  /** Runs `ms` of time in 25 ms steps; the named peers beat every heartbeat interval. */
  const run = async (ms: number, speaking: readonly string[] = [...peers.keys()]) => {
    const every = config.timers.heartbeatInterval;
    for (let t = 0; t < ms; t += 25) {
      if (t % every === 0) for (const id of speaking) loop.receive(peers.get(id)!.envelope(), peers.get(id)!.from);
      await clock.advance(25);
    }
  };
  const binds = (since = 0) => host.operations.filter((o) => o.op === 'bind' && o.at >= since && o.changed);
  const stop = async () => {
    loop.stop();
    await agent.stop({ graceful: false, deadlineMs: 1000 }).catch(() => undefined);
  };
  /** What this agent told its peers, heartbeat by heartbeat. */
  const told = () =>
    transport.sent.map(
      (e) =>
        JSON.parse((JSON.parse(e) as { payload: string }).payload) as {
          held: string[];
          applied: Record<string, number>;
          claiming: string[];
        },
    );
  return {
    config,
    clock,
    host,
    logs,
    agent,
    loop,
    peers,
    transport,
    owning,
    run,
    binds,
    stop,
    told,
    holdBinds,
    releaseBinds,
    peer: (id: string) => peers.get(id)!,
  };
}
