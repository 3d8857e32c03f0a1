/**
 * npm run bench:decide — how long one decision takes after one of N nodes dies, over V VIPs.
 * The first line is the headline case (10,240 VIPs, Momentum DuraVIP's maximum, on 256 nodes);
 * smaller cases follow. Each line is JSON: {"vips","nodes","ms_p50","ms_p99","rss_mb",...}.
 */
import { loadConfig, type Config } from '../core/config';
import { decide, type NodeView } from '../core/decide';

const NOW = 1_700_000_000_000;

function cluster(nodes: number, vips: number): Config {
  return loadConfig({
    cluster: 'bench',
    security: { psk: 'bench-psk-0123456789abcdef' },
    nodes: Array.from({ length: nodes }, (_, i) => ({
      id: `n${i}`,
      interface: 'eth0',
      addresses: [`198.19.${i >> 8}.${i & 255}`],
    })),
    checks: { smtp: { kind: 'smtp', target: '127.0.0.1:25' } },
    vips: Array.from({ length: vips }, (_, i) => ({
      name: `v${i}`,
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
      // Half the VIPs have a home, as bindings with duravip_preference do.
      ...(i % 2 === 0 ? { preferred: `n${i % nodes}` } : {}),
      checks: ['smtp'],
    })),
  });
}

function views(config: Config, deadNode: number): NodeView[] {
  return config.nodes.map((n, i) => ({
    id: n.id,
    lastSeen: i === deadNode ? NOW - 10_000 : NOW - 200,
    aliveSince: NOW - 3_600_000,
    checks: { smtp: { ok: true, since: NOW - 3_600_000 } },
    held: [],
    draining: false,
    leaving: false,
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function run(nodes: number, vips: number, iterations: number): Record<string, number> {
  const config = cluster(nodes, vips);
  // Steady state: everyone alive, decided once.
  const t0 = performance.now();
  const settled = decide({ config, nodes: views(config, -1), assignments: [], now: NOW - 600_000 }).assignments;
  const firstMs = performance.now() - t0;
  const afterDeath = views(config, 7 % nodes);
  const times: number[] = [];
  let moved = 0;
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const d = decide({ config, nodes: afterDeath, assignments: settled, now: NOW });
    times.push(performance.now() - t);
    moved = d.moves.length;
  }
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    vips,
    nodes,
    ms_p50: round(percentile(times, 50)),
    ms_p99: round(percentile(times, 99)),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
    moves: moved,
    first_decision_ms: round(firstMs),
    iterations,
  };
}

for (const [nodes, vips, iterations] of [
  [256, 10_240, 60],
  [64, 2_048, 200],
  [16, 256, 500],
  [5, 10, 1000],
] as const) {
  console.log(JSON.stringify(run(nodes, vips, iterations)));
}
