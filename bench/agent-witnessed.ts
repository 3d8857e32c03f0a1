/**
 * The witnessed line of bench:agent: one agent under witnessed liveness (the default), as the unit
 * runs it, watching three neighbours and watched by them over UDP on loopback, and reporting to a
 * local receiver that verifies every report. The three neighbours are played by this process: each
 * sends a signed heartbeat every interval from its own 127.0.0.x address, and counts (and verifies)
 * the agent's heartbeats. {"mode":"witnessed","watched","rate_hz","rss_mb","cpu_pct"}.
 */
import { createSocket, type Socket } from 'node:dgram';
import { loadConfig } from '../core/config';
import { heartbeatVerifier, type ReplayGuard } from '../core/heartbeat';
import { startHeartbeatReceiver } from '../test/helpers/heartbeat-receiver';
import { freeUdpPorts } from '../test/agent/peer/udp-ports';
import { measureAgent, playedNodes, type BenchContext } from './agent-child';

const PSK = 'bench-psk-0123456789abcdef';
const NEIGHBOURS = ['n2', 'n3', 'n4'];
const address = (i: number) => `127.0.0.${61 + i}`;

export async function measureWitnessed(
  rateHz: number,
  { program, checks, durationMs }: BenchContext,
): Promise<{ mode: 'witnessed'; watched: number; rate_hz: number; rss_mb: number; cpu_pct: number }> {
  const intervalMs = Math.round(1000 / rateHz);
  const [port] = (await freeUdpPorts(1)) as [number];
  const doc = (url: string) => ({
    cluster: 'bench',
    control: { mode: 'local', url, witness: { port, watchers: 3 } },
    security: { psk: PSK },
    timers: { heartbeatInterval: intervalMs },
    nodes: ['n1', ...NEIGHBOURS].map((id, i) => ({ id, interface: 'eth0', addresses: [address(i)] })),
    checks,
    vips: [{ name: 'smtp', address: '198.18.0.74/24', checks: ['smtp'] }],
  });
  const receiver = await startHeartbeatReceiver(loadConfig(doc('http://127.0.0.1:1')));
  receiver.assign('n1', [{ vip: 'smtp', epoch: 1 }]);
  const config = loadConfig(doc(receiver.url));
  const verifier = heartbeatVerifier(config, { psk: PSK });
  const sockets = await Promise.all(NEIGHBOURS.map((_, i) => boundSocket(address(i + 1), port)));
  let guard: ReplayGuard | undefined;
  let heard = 0;
  let refused = 0;
  // n1 sends to each of its witnesses; one of them verifies and counts.
  sockets[0]!.on('message', (d: Buffer) => {
    const verdict = verifier.verify(d, Date.now(), () => guard);
    if (!verdict.ok) return void refused++;
    guard = verdict.guard;
    heard++;
  });
  const builders = playedNodes(config, NEIGHBOURS, PSK);
  const beating = setInterval(() => {
    for (const [i, b] of builders.entries()) sockets[i]!.send(b.build(false, 'witness').envelope, port, address(0));
  }, intervalMs);
  try {
    let heardBefore = 0;
    let reportsBefore = 0;
    const measured = await measureAgent(program, {
      name: `witnessed-${rateHz}`,
      config: doc(receiver.url),
      durationMs,
      ready: (s) => s.controlPlane.reachable && s.held.length === 1,
      windowStarts: () => {
        heardBefore = heard;
        reportsBefore = receiver.received.length;
      },
    });
    process.stderr.write(
      `witnessed, rate ${rateHz}/s: ${measured.detail}; ${heard - heardBefore} of its heartbeats verified by n2, ${refused} refused, ${receiver.received.length - reportsBefore} reports in the window\n`,
    );
    return {
      mode: 'witnessed',
      watched: NEIGHBOURS.length,
      rate_hz: rateHz,
      rss_mb: measured.rss_mb,
      cpu_pct: measured.cpu_pct,
    };
  } finally {
    clearInterval(beating);
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await receiver.close();
  }
}

function boundSocket(host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve(socket));
  });
}
