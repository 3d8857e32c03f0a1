/**
 * A local control plane with `control.store.file` keeps what operators did across a restart: real
 * `ipferry control` processes (the first killed with SIGKILL, as a crash would) and two real
 * `ipferry agent` processes with recorded host plumbing, on 127.0.0.1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { StatusReport } from '../../control/status';
import { spawnIpferry, type AgentProcess } from '../helpers/agent-process';
import { closedPort } from '../helpers/closed-port';

let dir: string;
let configFile: string;
let stateFile: string;
let url: string;
const procs: AgentProcess[] = [];

function start(args: string[]): AgentProcess {
  const p = spawnIpferry([...args, '--config', configFile, '--log-level', 'info']);
  procs.push(p);
  return p;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(5000),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls every 100 ms, at most `timeoutMs`. */
async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await read().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const status = () => call<StatusReport>('GET', '/v1/status');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-control-restart-'));
  const listen = `127.0.0.1:${await closedPort()}`;
  url = `http://${listen}`;
  configFile = join(dir, 'cluster.yaml');
  stateFile = join(dir, 'state.json');
  await writeFile(
    configFile,
    stringify({
      cluster: 'restart',
      control: { mode: 'local', listen, liveness: 'direct', store: { file: stateFile } },
      security: { psk: 'restart-psk-0123456789abcdef' },
      timers: { heartbeatInterval: '200ms', deadAfter: '1s', preemptDelay: '300ms' },
      nodes: [
        { id: 's1', interface: 'eth0', addresses: ['127.0.0.51'] },
        { id: 's2', interface: 'eth0', addresses: ['127.0.0.52'] },
      ],
      vips: [{ name: 'v1', address: '198.18.0.211/24', preferred: 's1' }],
    }),
  );
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('ipferry control with a state file', () => {
  it('keeps a drain and a pin across a crash and a restart; a second control plane on the file is refused', async () => {
    const first = start(['control']);
    await first.waitForLog((l) => l.msg === 'control plane listening');
    for (const node of ['s1', 's2'])
      start(['agent', '--node', node, '--hostnet', 'recording', '--metrics', '127.0.0.1:0']);
    await eventually(
      async () => ((await status()).nodes.every((n) => n.state === 'alive') ? true : undefined),
      40_000,
      'both agents alive',
    );

    await call('POST', '/v1/move', { vip: 'v1', node: 's2', reason: 'maintenance of s1' });
    await call('POST', '/v1/drain', { node: 's1' });
    const before = await status();
    const v1 = before.vips.find((v) => v.vip === 'v1')!;
    expect(v1).toMatchObject({ node: 's2', pinned: { reason: 'maintenance of s1' } });

    const second = start(['control']);
    expect(await second.exited(20_000)).toBe(1);
    expect(second.stderr()).toContain('is in use by another ipferry control');

    first.kill('SIGKILL');
    await first.exited(5000);
    const again = start(['control']);
    await again.waitForLog((l) => l.msg === 'control plane listening');
    expect(again.logs.some((l) => l.level === 40 && String(l.msg).includes('no longer running'))).toBe(true);

    const after = await status();
    expect(after.version).toBeGreaterThanOrEqual(before.version);
    expect(after.vips.find((v) => v.vip === 'v1')).toMatchObject({
      node: 's2',
      epoch: v1.epoch,
      pinned: { reason: 'maintenance of s1' },
    });
    expect(after.nodes.find((n) => n.id === 's1')!.draining).toBe(true);
    // Heartbeats resume and nothing moves: the restarted control plane decides from the kept state.
    await eventually(
      async () => ((await status()).nodes.every((n) => n.state === 'alive') ? true : undefined),
      20_000,
      'agents heard again by the restarted control plane',
    );
    const settled = await status();
    expect(settled.vips.find((v) => v.vip === 'v1')).toMatchObject({ node: 's2', epoch: v1.epoch });
  }, 120_000);
});
