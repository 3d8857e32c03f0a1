/**
 * `ipferry up` end to end: the command as a child process runs a three-node config (a local
 * control plane, three real agents with recorded plumbing), the test SIGKILLs the owner's agent
 * by the pid up printed, and sees the failover through `ipferry status --json` and `ipferry
 * events --json` at the URL up printed. Ctrl-C then ends it with the session folder removed.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { StatusReport } from '../../control/status';
import type { ControlEvent } from '../../core/ports';
import { spawnIpferry, type AgentProcess } from '../helpers/agent-process';

let dir: string;
let up: AgentProcess | undefined;
const pids: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-up-test-'));
});
afterAll(async () => {
  if (up && up.child.exitCode === null) up.kill('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone: the usual case
    }
  }
  await rm(dir, { recursive: true, force: true });
});

const text = (p: AgentProcess) => p.logs.map((l) => String(l.text ?? JSON.stringify(l)));

/** Polls every 200 ms, at most `timeoutMs`. */
async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await read().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function cli<T>(args: string[]): Promise<T> {
  const p = spawnIpferry(args);
  expect(await p.exited(30_000)).toBe(0);
  return JSON.parse(text(p).join('\n')) as T;
}

describe('ipferry up', () => {
  it('runs a three-node config; a killed agent fails over, seen through ipferry status and events; Ctrl-C cleans up', async () => {
    const configFile = join(dir, 'trio.yaml');
    await writeFile(
      configFile,
      stringify({
        cluster: 'trio',
        control: { mode: 'local' },
        security: { psk: 'not-used-by-up-0123456789' },
        timers: { heartbeatInterval: '300ms', deadAfter: '1500ms', preemptDelay: '1s' },
        nodes: ['t1', 't2', 't3'].map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
        checks: { web: { kind: 'http', target: 'http://127.0.0.1:9/never' } },
        vips: [{ name: 'web', address: '198.18.0.50/24', preferred: 't1', checks: ['web'] }],
      }),
    );
    up = spawnIpferry(['up', '--config', configFile]);
    await up.waitForLog((l) => String(l.text).startsWith('kill a node:'), 60_000);
    const lines = text(up);
    const url = /control plane\s+(\S+)/.exec(lines.join('\n'))![1]!;
    const sessionDir = /session files\s+(\S+)/.exec(lines.join('\n'))![1]!;
    const agents = new Map(
      lines.flatMap((l) => [...l.matchAll(/^ {2}(t\d)\s+(\d+)\s+http/g)].map((m) => [m[1]!, Number(m[2])] as const)),
    );
    expect([...agents.keys()]).toEqual(['t1', 't2', 't3']);
    pids.push(...agents.values());
    // The checks were stood in for (they probe port 9 here, which answers nothing).
    expect(lines.some((l) => l.includes('checks (web) stood in for'))).toBe(true);
    // The session's keys: a private folder, files only we read.
    expect(statSync(sessionDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(sessionDir, 'psk')).mode & 0o777).toBe(0o600);

    const owner = async () => {
      const s = (await (await fetch(`${url}/v1/status`)).json()) as StatusReport;
      const web = s.vips.find((v) => v.vip === 'web');
      return web?.node === 't1' && web.bound === true ? web : undefined;
    };
    await eventually(owner, 60_000, 'web on its preferred t1, bound');

    process.kill(agents.get('t1')!, 'SIGKILL');
    await eventually(
      async () => {
        const s = (await (await fetch(`${url}/v1/status`)).json()) as StatusReport;
        return s.vips.find((v) => v.vip === 'web' && v.node !== 't1' && v.node !== null && v.bound === true);
      },
      30_000,
      'web away from t1',
    );

    const status = await cli<StatusReport>(['status', '--url', url, '--json']);
    expect(status.nodes.find((n) => n.id === 't1')?.state).toBe('dead');
    const web = status.vips.find((v) => v.vip === 'web')!;
    expect(['t2', 't3']).toContain(web.node);
    const { events } = await cli<{ events: ControlEvent[] }>(['events', '--url', url, '--json']);
    const failover = events.find((e) => e.kind === 'move' && e.vip === 'web' && e.from === 't1');
    expect(failover).toMatchObject({ to: web.node, reason: 'owner-dead' });
    await up.waitForLog((l) => /t1 \(pid \d+\) ended: SIGKILL/.test(String(l.text)), 10_000);

    up.kill('SIGINT');
    expect(await up.exited(30_000)).toBe(0);
    expect(existsSync(sessionDir)).toBe(false);
    for (const pid of [agents.get('t2')!, agents.get('t3')!]) expect(() => process.kill(pid, 0)).toThrow();
  }, 180_000);

  it('ends cleanly when the reader of its output goes away (EPIPE): exit 0, the session folder removed', async () => {
    const configFile = join(dir, 'pair.yaml');
    await writeFile(
      configFile,
      stringify({
        cluster: 'pair',
        control: { mode: 'peer' },
        security: { psk: 'not-used-by-up-0123456789' },
        nodes: ['p1', 'p2'].map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${21 + i}`] })),
        vips: [{ name: 'web', address: '198.18.0.60/24', preferred: 'p1' }],
      }),
    );
    // Its own temporary root, so the test can see the session folder come and go.
    const tmpRoot = join(dir, 'tmp');
    await mkdir(tmpRoot);
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'up', '--config', configFile], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, TMPDIR: tmpRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(readdirSync(tmpRoot).filter((f) => f.startsWith('ipferry-up-'))).toHaveLength(1);
    // The reader goes away; up's next line (a claim or 'every node is up') meets EPIPE.
    child.stdout.destroy();
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 90 s'), 90_000).unref()),
    ]);
    if (code !== 0) child.kill('SIGKILL');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(readdirSync(tmpRoot).filter((f) => f.startsWith('ipferry-up-'))).toEqual([]);
  }, 120_000);
});
