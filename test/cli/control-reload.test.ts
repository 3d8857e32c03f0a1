/**
 * SIGHUP to a real `ipferry control` process rereads its config file: a VIP added gets placed on a
 * live agent (a real `ipferry agent` with recorded host plumbing) with the state kept; a file that
 * does not load, or changes what needs a restart, is refused with the reason and the process keeps
 * answering on the config it has. All on 127.0.0.1.
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
let listen: string;
const procs: AgentProcess[] = [];

const vip = (name: string, n: number) => ({ name, address: `198.18.0.${n}/24`, preferred: 's1' });
const cluster = (vips: object[], control: object = {}) => ({
  cluster: 'reload',
  control: { mode: 'local', listen, liveness: 'direct', ...control },
  security: { psk: 'reload-psk-0123456789abcdef' },
  timers: { heartbeatInterval: '200ms', deadAfter: '1s', preemptDelay: '300ms' },
  nodes: [{ id: 's1', interface: 'eth0', addresses: ['127.0.0.61'] }],
  vips,
});

async function status(): Promise<StatusReport> {
  const res = await fetch(`http://${listen}/v1/status`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`/v1/status: HTTP ${res.status}`);
  return (await res.json()) as StatusReport;
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

const ownerOf = async (name: string) => (await status()).vips.find((v) => v.vip === name)?.node ?? undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-control-reload-'));
  listen = `127.0.0.1:${await closedPort()}`;
  configFile = join(dir, 'cluster.yaml');
  await writeFile(configFile, stringify(cluster([vip('v1', 221)])));
});

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('ipferry control: SIGHUP reloads the config', () => {
  it('places a VIP added by a reload, drops one removed; refuses a bad file and a restart-only change, still answering', async () => {
    const start = (args: string[]) => {
      const p = spawnIpferry([...args, '--config', configFile, '--log-level', 'info']);
      procs.push(p);
      return p;
    };
    const cp = start(['control']);
    const listening = await cp.waitForLog((l) => l.msg === 'control plane listening');
    start(['agent', '--node', 's1', '--hostnet', 'recording', '--metrics', '127.0.0.1:0']);
    await eventually(async () => ((await ownerOf('v1')) === 's1' ? true : undefined), 12_000, 'v1 on s1');
    const v1 = (await status()).vips.find((v) => v.vip === 'v1')!;

    await writeFile(configFile, stringify(cluster([vip('v1', 221), vip('v2', 222)])));
    cp.kill('SIGHUP');
    const reloaded = await cp.waitForLog((l) => l.msg === 'reloaded', 5000);
    expect(reloaded).toMatchObject({ added: ['v2'], removed: [], vips: 2 });
    expect(reloaded.digest).not.toBe(listening.digest);
    await eventually(async () => ((await ownerOf('v2')) === 's1' ? true : undefined), 5000, 'v2 placed on s1');
    const after = await status();
    expect(after.digest).toBe(reloaded.digest);
    // The state is kept: v1 did not move, its epoch is the same.
    expect(after.vips.find((v) => v.vip === 'v1')).toMatchObject({ node: 's1', epoch: v1.epoch });

    await writeFile(configFile, 'cluster: reload\nnodes: [this is not a config\n');
    cp.kill('SIGHUP');
    const bad = await cp.waitForLog((l) => l.msg === 'reload refused', 5000);
    expect(String(bad.reason)).toContain('is not valid');
    expect(bad.digest).toBe(reloaded.digest);

    await writeFile(configFile, stringify(cluster([vip('v1', 221)], { apiToken: 'a-token-of-16-chars-or-more' })));
    cp.kill('SIGHUP');
    const restart = await cp.waitForLog((l) => l.msg === 'reload refused' && l !== bad, 5000);
    expect(String(restart.reason)).toContain('needs a restart: control changed');

    // Still running, on the config it had: both VIPs placed, the same digest.
    const still = await status();
    expect(cp.child.exitCode).toBeNull();
    expect(still.digest).toBe(reloaded.digest);
    expect(still.vips.map((v) => [v.vip, v.node])).toEqual([
      ['v1', 's1'],
      ['v2', 's1'],
    ]);

    // A VIP removed by a reload is dropped; v1 stays where it is.
    await writeFile(configFile, stringify(cluster([vip('v1', 221)])));
    cp.kill('SIGHUP');
    const dropped = await cp.waitForLog((l) => l.msg === 'reloaded' && l !== reloaded, 5000);
    expect(dropped).toMatchObject({ added: [], removed: ['v2'], vips: 1 });
    const last = await status();
    expect(last.vips.map((v) => [v.vip, v.node, v.epoch])).toEqual([['v1', 's1', v1.epoch]]);
  }, 30_000);
});
