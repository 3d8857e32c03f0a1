/**
 * Start-up is all or nothing and a signal after a claim is a graceful leave: real `ipferry agent`
 * processes against a real `ipferry control` on 127.0.0.1 (witnessed liveness, recorded host
 * plumbing). A port already taken must end the agent with the reason before it says a word to the
 * control plane; SIGTERM right after its first bind must reach the control plane as leaving.
 */
import dgram from 'node:dgram';
import net, { type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { StatusReport } from '../../control/status';
import type { ControlEvent } from '../../core/ports';
import { spawnIpferry, type AgentProcess } from '../helpers/agent-process';
import { closedPort } from '../helpers/closed-port';

let dir: string;
let configFile: string;
let controlUrl: string;
let control: AgentProcess;
let witnessPort: number;
const procs: AgentProcess[] = [];
const WITNESS_ADDR = { s1: '127.0.0.41', s2: '127.0.0.42' };

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${controlUrl}${path}`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
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

/** The epoch at which the agent's logs say it holds `vip` now, or -1 when it does not hold it. */
function heldEpoch(p: AgentProcess, vip: string): number {
  let held = -1;
  for (const l of p.logs) {
    if (l.vip !== vip) continue;
    const epoch = typeof l.epoch === 'number' ? l.epoch : held;
    if (l.msg === `bound ${vip}` || (typeof l.msg === 'string' && l.msg.startsWith(`${vip} stays bound`))) held = epoch;
    else if (typeof l.msg === 'string' && l.msg.startsWith(`unbound ${vip}`)) held = -1;
  }
  return held;
}

function agent(node: string, metrics = '127.0.0.1:0'): AgentProcess {
  const p = spawnIpferry([
    'agent',
    '--config',
    configFile,
    '--node',
    node,
    '--hostnet',
    'recording',
    '--metrics',
    metrics,
    '--log-level',
    'info',
  ]);
  procs.push(p);
  return p;
}

const nodeState = async (id: string) => (await api<StatusReport>('/v1/status')).nodes.find((n) => n.id === id)?.state;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-startup-'));
  const listen = `127.0.0.1:${await closedPort()}`;
  controlUrl = `http://${listen}`;
  configFile = join(dir, 'cluster.yaml');
  witnessPort = await freeUdpPort();
  await writeFile(
    configFile,
    stringify({
      cluster: 'startup',
      control: { mode: 'local', listen, liveness: 'witnessed', witness: { port: witnessPort } },
      security: { psk: 'startup-psk-0123456789abcdef' },
      // deadAfter long enough that a node judged dead could not be mistaken for one that left.
      timers: { heartbeatInterval: '200ms', deadAfter: '5s', preemptDelay: '500ms' },
      nodes: [
        { id: 's1', interface: 'eth0', addresses: [WITNESS_ADDR.s1] },
        { id: 's2', interface: 'eth0', addresses: [WITNESS_ADDR.s2] },
      ],
      vips: [{ name: 'v1', address: '198.18.0.201/24', preferred: 's1' }],
    }),
  );
  control = spawnIpferry(['control', '--config', configFile, '--log-level', 'info']);
  procs.push(control);
  await control.waitForLog((l) => l.msg === 'control plane listening');
}, 30_000);

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('ipferry agent start-up and signals', () => {
  it('exits with the reason when its metrics port is taken, and the control plane never hears from it', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = `127.0.0.1:${(squatter.address() as AddressInfo).port}`;
    try {
      const p = agent('s1', taken);
      expect(await p.exited(20_000)).toBe(1);
      expect(p.stderr()).toContain(`cannot listen on ${taken}`);
      expect(p.stderr()).toContain('EADDRINUSE');
      expect(
        p.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('start-up failed, nothing claimed')),
      ).toBe(true);
      expect(
        p.logs.some((l) => l.msg === 'agent started' || (typeof l.msg === 'string' && l.msg.startsWith('bound '))),
      ).toBe(false);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expect(await nodeState('s1')).toBe('unknown');
    const { events } = await api<{ events: ControlEvent[] }>('/v1/events?limit=100');
    expect(events.filter((e) => e.to === 's1' || e.from === 's1')).toEqual([]);
  }, 30_000);

  it('exits with the reason when its witness UDP port is taken, before any heartbeat', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(witnessPort, WITNESS_ADDR.s1, resolve));
    try {
      const p = agent('s1');
      expect(await p.exited(20_000)).toBe(1);
      expect(p.stderr()).toContain('EADDRINUSE');
      expect(
        p.logs.some((l) => l.msg === 'agent started' || (typeof l.msg === 'string' && l.msg.startsWith('bound '))),
      ).toBe(false);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expect(await nodeState('s1')).toBe('unknown');
  }, 30_000);

  it('on SIGTERM right after its first claim it leaves: leaving heartbeat, unbind, exit 0, the VIP moved with reason owner-leaving; SIGINT alike', async () => {
    const s2 = agent('s2');
    await s2.waitForLog((l) => l.msg === 'bound v1');
    const s1 = agent('s1');
    // v1 prefers s1: once s1 has been up for preemptDelay the control plane gives it v1.
    await s1.waitForLog((l) => l.msg === 'bound v1', 20_000);
    s1.kill('SIGTERM');
    expect(await s1.exited(15_000)).toBe(0);
    expect(s1.logs.some((l) => l.msg === 'unbound v1 (stopping)')).toBe(true);
    expect(s1.logs.some((l) => l.msg === 'agent stopped')).toBe(true);
    const away = await eventually(
      async () => {
        const { events } = await api<{ events: ControlEvent[] }>('/v1/events?limit=100');
        return events.find((e) => e.kind === 'move' && e.vip === 'v1' && e.from === 's1');
      },
      10_000,
      'v1 moved away from s1',
    );
    expect(away).toMatchObject({ to: 's2', reason: 'owner-leaving' });
    expect(await nodeState('s1')).toBe('leaving');

    // SIGINT (Ctrl-C) is the same graceful leave: once s2 holds v1 again it lets it go. The move
    // event is the control plane's decision; s2 learns it from a later answer, and may never have
    // heard of s1's epoch in between (then v1 simply stays bound at the new epoch).
    const moveEpoch = away.epoch ?? 0;
    await eventually(
      async () => (heldEpoch(s2, 'v1') >= moveEpoch ? true : undefined),
      10_000,
      `s2 holding v1 at epoch ${moveEpoch}`,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; s2 said ${JSON.stringify(s2.logs.map((l) => l.msg))}`);
    });
    s2.kill('SIGINT');
    expect(await s2.exited(15_000)).toBe(0);
    expect(s2.logs.filter((l) => l.msg === 'unbound v1 (stopping)').length).toBe(1);
    await eventually(async () => ((await nodeState('s2')) === 'leaving' ? true : undefined), 10_000, 's2 seen leaving');
  }, 60_000);
});
