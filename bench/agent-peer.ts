/**
 * npm run bench:agent:peer — what one agent costs in peer mode, where it hears every peer's
 * heartbeat over UDP and decides again on each one (verify, fold, decideAsPeer, reconcile). The
 * agent runs as bench:agent runs it (the host's program, the unit's node flags, a recording host
 * network, three checks); its two peers are played by this process on loopback: each sends a
 * signed heartbeat every interval (healthy, holding nothing) and verifies every heartbeat the
 * agent sends it. The agent, preferred for the one VIP, claims and holds it. One JSON line per
 * rate on stdout: {"mode":"peer","peers","rate_hz","rss_mb","cpu_pct"}. Details go to stderr.
 *
 *   tsx bench/agent-peer.ts [--duration 60] [--rates 1,5]
 */
import { createSocket, type Socket } from 'node:dgram';
import { loadConfig } from '../core/config';
import { heartbeatVerifier, type ReplayGuard } from '../core/heartbeat';
import { freeUdpPorts } from '../test/agent/peer/udp-ports';
import { benchEachRate, measureAgent, playedNodes, type BenchContext } from './agent-child';

const PSK = 'bench-psk-0123456789abcdef';
const PEERS = ['n2', 'n3'];

await benchEachRate('bench/agent-peer.ts', measure);

async function measure(
  rateHz: number,
  { program, checks, durationMs }: BenchContext,
): Promise<{ mode: 'peer'; peers: number; rate_hz: number; rss_mb: number; cpu_pct: number }> {
  const intervalMs = Math.round(1000 / rateHz);
  const sockets = await Promise.all(PEERS.map(() => boundSocket()));
  const [agentPort] = (await freeUdpPorts(1)) as [number];
  const doc = {
    cluster: 'bench',
    // The agent listens on `port` and sends to the peers listed (not to itself).
    control: { mode: 'peer', port: agentPort, peers: sockets.map((s) => `127.0.0.1:${s.address().port}`) },
    security: { psk: PSK },
    timers: { heartbeatInterval: intervalMs },
    nodes: [
      { id: 'n1', interface: 'eth0', addresses: ['127.0.0.1'] },
      { id: 'n2', interface: 'eth0', addresses: ['198.18.0.12'] },
      { id: 'n3', interface: 'eth0', addresses: ['198.18.0.13'] },
    ],
    checks,
    vips: [{ name: 'smtp', address: '198.18.0.74/24', checks: ['smtp'], preferred: 'n1' }],
  };
  const config = loadConfig(doc);
  const verifier = heartbeatVerifier(config, { psk: PSK });
  let guard: ReplayGuard | undefined;
  let verified = 0;
  let refused = 0;
  const heard = (datagram: Buffer) => {
    const verdict = verifier.verify(datagram, Date.now(), () => guard);
    if (!verdict.ok) {
      refused++;
      return;
    }
    // Both peers get each heartbeat; one of them keeps the count.
    guard = verdict.guard;
    verified++;
  };
  sockets[0]!.on('message', heard);
  const builders = playedNodes(config, PEERS, PSK);
  const beating = setInterval(() => {
    for (const [i, builder] of builders.entries()) sockets[i]!.send(builder.build().envelope, agentPort, '127.0.0.1');
  }, intervalMs);
  try {
    let verifiedBefore = 0;
    const measured = await measureAgent(program, {
      name: `peer-${rateHz}`,
      config: doc,
      durationMs,
      // Settled with quorum, claimed and holding its VIP.
      ready: (s) => s.held.length === 1,
      windowStarts: () => (verifiedBefore = verified),
    });
    process.stderr.write(
      `peer mode, rate ${rateHz}/s: ${measured.detail}; ${verified - verifiedBefore} of its heartbeats verified by n2, ${refused} refused\n`,
    );
    return { mode: 'peer', peers: PEERS.length, rate_hz: rateHz, rss_mb: measured.rss_mb, cpu_pct: measured.cpu_pct };
  } finally {
    clearInterval(beating);
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** A socket on an ephemeral port of 127.0.0.1: one peer's end. */
function boundSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });
}
