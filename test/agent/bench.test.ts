import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('bench/agent.ts', () => {
  it('runs the agent in a child process and prints, per rate, one JSON line for direct liveness and one for witnessed', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/agent.ts', '--duration', '1', '--rates', '1,5'],
      { cwd: ROOT, timeout: 140_000 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Object.keys(l))).toEqual([
      ['rate_hz', 'rss_mb', 'cpu_pct'],
      ['mode', 'watched', 'rate_hz', 'rss_mb', 'cpu_pct'],
      ['rate_hz', 'rss_mb', 'cpu_pct'],
      ['mode', 'watched', 'rate_hz', 'rss_mb', 'cpu_pct'],
    ]);
    expect(lines.map((l) => l.rate_hz)).toEqual([1, 1, 5, 5]);
    expect(lines.filter((l) => l.mode === 'witnessed')).toHaveLength(2);
    for (const l of lines) {
      expect(l.rss_mb).toBeGreaterThan(10);
      expect(l.cpu_pct).toBeGreaterThan(0);
    }
    // Every heartbeat verified by the receiver; none refused. Witnessed: the neighbour verified the agent's beats.
    expect(stderr).toMatch(/rate 1\/s: resident \d+ kB.*; [1-9]\d* heartbeats verified, 0 refused/);
    expect(stderr).toMatch(/rate 5\/s: resident \d+ kB.*; [1-9]\d* heartbeats verified, 0 refused/);
    expect(stderr).toMatch(
      /witnessed, rate 5\/s: resident \d+ kB.*; [1-9]\d* of its heartbeats verified by n2, 0 refused/,
    );
  }, 160_000);
});

describe('bench/agent-peer.ts', () => {
  it('runs the agent in peer mode, its peers played over UDP, and prints one JSON line per rate', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/agent-peer.ts', '--duration', '1', '--rates', '5'],
      { cwd: ROOT, timeout: 60_000 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { mode: 'peer', peers: 2, rate_hz: 5, rss_mb: expect.any(Number), cpu_pct: expect.any(Number) },
    ]);
    expect(lines[0]!.cpu_pct).toBeGreaterThan(0);
    // It claimed its VIP (the window starts only then) and the peers verified its heartbeats.
    expect(stderr).toMatch(
      /peer mode, rate 5\/s: resident \d+ kB.*; [1-9]\d* of its heartbeats verified by n2, 0 refused/,
    );
  }, 90_000);
});
