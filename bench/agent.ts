/**
 * npm run bench:agent — what one agent costs on its host. The agent runs as the unit runs it: the
 * host's program dist/ipferry-agent.mjs (built as `npm run build` builds it), in a child process
 * with the systemd unit's node flags and NODE_OPTIONS (recording host network: nothing is plumbed), with three
 * checks (tcp, http, smtp) against local servers and heartbeats to a local receiver that verifies
 * every one with core's verifier and assigns it a VIP. One run per heartbeat rate; each prints
 * one JSON line on stdout: {"rate_hz","rss_mb","cpu_pct"} (direct liveness), then one for witnessed
 * liveness (agent-witnessed.ts) with "mode":"witnessed". cpu_pct is the child's own
 * process.cpuUsage() (read from its /status) over the measured window, as % of one core; rss_mb
 * is the largest resident size sampled during that window, which starts 10 s after the agent is
 * up (see agent-child.ts). Details go to stderr.
 *
 *   tsx bench/agent.ts [--duration 60] [--rates 1,5]
 */
import { loadConfig } from '../core/config';
import { startHeartbeatReceiver } from '../test/helpers/heartbeat-receiver';
import { benchEachRate, measureAgent, type BenchContext } from './agent-child';
import { measureWitnessed } from './agent-witnessed';

const PSK = 'bench-psk-0123456789abcdef';

// Per rate: the agent beating to a control plane (direct liveness), then watching its neighbours (witnessed).
await benchEachRate('bench/agent.ts', async (rate, ctx) => [
  await measure(rate, ctx),
  await measureWitnessed(rate, ctx),
]);

async function measure(
  rateHz: number,
  { program, checks, durationMs }: BenchContext,
): Promise<{ rate_hz: number; rss_mb: number; cpu_pct: number }> {
  const doc = (url: string) => ({
    cluster: 'bench',
    control: { mode: 'local', liveness: 'direct', url },
    security: { psk: PSK },
    timers: { heartbeatInterval: Math.round(1000 / rateHz) },
    nodes: [
      { id: 'n1', interface: 'eth0', addresses: ['198.18.0.11'] },
      { id: 'n2', interface: 'eth0', addresses: ['198.18.0.12'] },
    ],
    checks,
    vips: [{ name: 'smtp', address: '198.18.0.74/24', checks: ['smtp'] }],
  });
  const receiver = await startHeartbeatReceiver(loadConfig(doc('http://127.0.0.1:1')));
  receiver.assign('n1', [{ vip: 'smtp', epoch: 1 }]);
  try {
    let beatsBefore = 0;
    const measured = await measureAgent(program, {
      name: `bench-${rateHz}`,
      config: doc(receiver.url),
      durationMs,
      // Started, heartbeating, holding its VIP.
      ready: (s) => s.controlPlane.reachable && s.held.length === 1,
      windowStarts: () => (beatsBefore = receiver.received.length),
    });
    const beats = receiver.received.length - beatsBefore;
    process.stderr.write(
      `rate ${rateHz}/s: ${measured.detail}; ${beats} heartbeats verified, ${receiver.refused.length} refused\n`,
    );
    return { rate_hz: rateHz, rss_mb: measured.rss_mb, cpu_pct: measured.cpu_pct };
  } finally {
    await receiver.close();
  }
}
