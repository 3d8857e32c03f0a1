import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForEtcd } from '../../agent/etcd/wait-for-etcd';
import { StoreError } from '../../core/ports';
import { systemClock } from '../../lib/clock';
import { spawnIpferry } from '../helpers/agent-process';
import { closedPort } from '../helpers/closed-port';

/**
 * An agent whose etcd cannot be reached: it says so (endpoints, error, next retry), binds nothing,
 * and a SIGTERM during that wait ends it at once with exit 0. waitForEtcd itself: bounded back-off,
 * proceeds once the probe answers, gives up at once on errors retrying cannot fix.
 */
let dir: string;
let configFile: string;
let endpoint: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-etcd-unreachable-'));
  configFile = join(dir, 'cluster.yaml');
  endpoint = `http://127.0.0.1:${await closedPort()}`;
  await writeFile(
    configFile,
    stringify({
      cluster: 'etcd-unreachable',
      control: { mode: 'etcd', endpoints: [endpoint], callTimeout: '300ms' },
      security: { psk: 'etcd-unreachable-psk-0123456789ab' },
      timers: { heartbeatInterval: '200ms', deadAfter: '2000ms', minHold: '0s' },
      nodes: [{ id: 'n1', interface: 'eth0', addresses: ['198.18.0.11'] }],
      vips: [{ address: '198.18.0.101/24', preferred: 'n1' }],
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('etcd mode with etcd unreachable', () => {
  it('logs why, binds nothing, and exits 0 at once on SIGTERM', async () => {
    const p = spawnIpferry(
      ['agent', '--config', configFile, '--node', 'n1', '--hostnet', 'recording', '--metrics', '127.0.0.1:0'],
      { IPFERRY_LOG_LEVEL: 'info' },
    );
    try {
      const said = await p.waitForLog((l) => /etcd unreachable at/.test(String(l.msg)), 20_000);
      expect(said.endpoints).toEqual([endpoint]);
      expect(String(said.msg)).toMatch(/retrying in \d+(\.\d+)? s/);
      expect(typeof said.err).toBe('string');
      const sentAt = Date.now();
      p.kill('SIGTERM');
      expect(await p.exited(4000)).toBe(0);
      expect(Date.now() - sentAt).toBeLessThan(3000);
      expect(p.logs.some((l) => /SIGTERM while starting: nothing claimed/.test(String(l.msg)))).toBe(true);
      expect(p.logs.filter((l) => /^bound /.test(String(l.msg)))).toEqual([]);
    } finally {
      if (p.child.exitCode === null) p.kill('SIGKILL');
    }
  }, 30_000);
});

describe('waitForEtcd', () => {
  const logger = pino({ level: 'silent' });
  it('retries with a doubling, bounded wait and returns once etcd answers', async () => {
    const at: number[] = [];
    await waitForEtcd({
      probe: async () => {
        at.push(Date.now());
        if (at.length < 5) throw new StoreError('transient', 'etcd reach etcd failed: connect ECONNREFUSED');
      },
      endpoints: ['127.0.0.1:1'],
      clock: systemClock,
      logger,
      firstDelayMs: 20,
      maxDelayMs: 60,
    });
    expect(at).toHaveLength(5);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    // Bounded: never more than the maximum (plus scheduling slack).
    expect(Math.max(...gaps)).toBeLessThan(60 + 500);
  });

  it('gives up at once on an error retrying cannot fix', async () => {
    let calls = 0;
    const wrong = new StoreError('forbidden', 'etcd reach etcd failed: authentication failed');
    await expect(
      waitForEtcd({
        probe: async () => {
          calls++;
          throw wrong;
        },
        endpoints: ['127.0.0.1:1'],
        clock: systemClock,
        logger,
      }),
    ).rejects.toBe(wrong);
    expect(calls).toBe(1);
  });

  it('ends the wait when its signal aborts', async () => {
    const stop = new AbortController();
    const reason = new Error('SIGTERM while waiting for etcd');
    setTimeout(() => stop.abort(reason), 50);
    await expect(
      waitForEtcd({
        probe: () => Promise.reject(new StoreError('transient', 'unreachable')),
        endpoints: ['127.0.0.1:1'],
        clock: systemClock,
        logger,
        signal: stop.signal,
        firstDelayMs: 10_000,
      }),
    ).rejects.toBe(reason);
  });
});
