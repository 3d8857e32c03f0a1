import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProgram } from '../../bench/agent-child';
import { scaleProgram } from '../../bench/scale-program';
import { measureScale, type ScaleLine } from '../../bench/scale-run';

/**
 * bench:scale at its smallest size, with a short window: the line's shape, one holder per VIP
 * throughout, a converged cluster and a takeover. No timing assertions (figures are for bench/).
 * Peer mode runs in the LAN lab, so this needs root as test/lan does.
 */
let program: AgentProgram;
beforeAll(async () => {
  program = await scaleProgram();
}, 60_000);
afterAll(async () => {
  await program?.close();
});

function checkLine(l: ScaleLine, mode: 'peer' | 'etcd'): void {
  expect(JSON.parse(JSON.stringify(l))).toEqual(l);
  expect(l).toMatchObject({ mode, nodes: 4, max_holders: 1 });
  for (const k of ['cpu_pct_per_agent', 'rss_mb', 'rss_mb_max', 'converge_s', 'takeover_ms', 'window_s'] as const)
    expect(l[k], k).toBeGreaterThan(0);
  expect(l.rss_mb_max).toBeGreaterThanOrEqual(l.rss_mb);
  expect(l.killed).toMatch(/^n[1-4]$/);
  expect(l.load_avg).toBeGreaterThanOrEqual(0);
}

describe('bench:scale at 4 hosts', () => {
  it.concurrent(
    "peer mode: converges, one holder per VIP, a survivor takes the killed owner's VIP",
    async () => {
      const l = await measureScale({ mode: 'peer', nodes: 4, program, windowMs: 1000, settleMs: 0 });
      checkLine(l, 'peer');
      expect(l.etcd_cpu_pct).toBeUndefined();
    },
    90_000,
  );

  it.concurrent(
    "etcd mode: the same, with etcd's own CPU and memory charged per agent",
    async () => {
      const l = await measureScale({ mode: 'etcd', nodes: 4, program, windowMs: 1000, settleMs: 0 });
      checkLine(l, 'etcd');
      expect(l.etcd_rss_mb).toBeGreaterThan(0);
      expect(l.etcd_cpu_pct).toBeGreaterThanOrEqual(0);
      expect(l.rss_mb_with_etcd).toBeGreaterThan(l.rss_mb);
      expect(l.cpu_pct_per_agent_with_etcd).toBeGreaterThanOrEqual(l.cpu_pct_per_agent);
    },
    90_000,
  );
});
