/**
 * End to end with nothing stood in: `ipferry control` (the local control plane) and two
 * `ipferry agent` processes on the recording host network, talking signed heartbeats over HTTP
 * on 127.0.0.1. The agents' /status endpoints say what each one holds.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { spawnIpferry, type AgentProcess } from '../../helpers/agent-process';
import { closedPort } from '../../helpers/closed-port';
import { startHttpServer, type HttpServer } from '../../helpers/http-server';

interface Status {
  held: Array<{ vip: string; epoch: number | null }>;
  controlPlane: { reachable: boolean };
}

let dir: string;
let web: HttpServer;
const procs: AgentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-e2e-cp-'));
  web = await startHttpServer({ '/health': { body: 'ok' } });
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await web.close();
  await rm(dir, { recursive: true, force: true });
});

async function held(listen: string): Promise<string[]> {
  const s = (await (await fetch(`http://${listen}/status`)).json()) as Status;
  return s.held.map((h) => h.vip).sort();
}

/** Polls until `check` holds, every 50 ms, at most `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startAgent(configFile: string, node: string): Promise<{ proc: AgentProcess; listen: string }> {
  const proc = spawnIpferry([
    'agent',
    '--config',
    configFile,
    '--node',
    node,
    '--hostnet',
    'recording',
    '--metrics',
    '127.0.0.1:0',
    '--log-level',
    'info',
  ]);
  procs.push(proc);
  const line = await proc.waitForLog((l) => typeof l.listen === 'string');
  return { proc, listen: String(line.listen) };
}

describe('agents with the local control plane (ipferry control)', () => {
  it('each takes its preferred VIP; a graceful stop hands it over at once, a crash after deadAfter; it comes back home', async () => {
    const listen = `127.0.0.1:${await closedPort()}`;
    const configFile = join(dir, 'cluster.yaml');
    await writeFile(
      configFile,
      stringify({
        cluster: 'pair',
        control: { mode: 'local', liveness: 'direct', listen },
        security: { psk: 'pair-psk-0123456789abcdef' },
        timers: { heartbeatInterval: '200ms', deadAfter: '3s', preemptDelay: '1s', minHold: '1s' },
        nodes: [
          { id: 'mail1', interface: 'eth0', addresses: ['198.18.0.21'] },
          { id: 'mail2', interface: 'eth0', addresses: ['198.18.0.22'] },
        ],
        checks: {
          smtp: { kind: 'http', target: web.url('/health'), interval: '200ms', timeout: '150ms', rise: 1, fall: 2 },
        },
        vips: [
          {
            name: 'vip201',
            address: '198.18.0.201/24',
            preferred: 'mail1',
            checks: ['smtp'],
            announce: { refresh: '5s' },
          },
          {
            name: 'vip202',
            address: '198.18.0.202/24',
            preferred: 'mail2',
            checks: ['smtp'],
            announce: { refresh: '5s' },
          },
        ],
      }),
    );
    const control = spawnIpferry(['control', '--config', configFile, '--log-level', 'info']);
    procs.push(control);
    await control.waitForLog((l) => l.msg === 'control plane listening');

    const [a, b] = await Promise.all([startAgent(configFile, 'mail1'), startAgent(configFile, 'mail2')]);
    await eventually(
      async () => (await held(a.listen)).join() === 'vip201' && (await held(b.listen)).join() === 'vip202',
      20_000,
      'each node on its preferred VIP',
    );

    // A graceful stop: the leaving heartbeat moves vip201 now, not after deadAfter (3 s).
    const stoppedAt = Date.now();
    a.proc.kill('SIGTERM');
    expect(await a.proc.exited(15_000)).toBe(0);
    await eventually(async () => (await held(b.listen)).join() === 'vip201,vip202', 2500, 'mail2 holding both');
    const tookMs = Date.now() - stoppedAt;
    console.log(`graceful handover ${JSON.stringify({ tookMs, deadAfterMs: 3000 })}`);
    expect(tookMs).toBeLessThan(2500);
    expect(a.proc.logs.some((l) => l.msg === 'leaving heartbeat delivered')).toBe(true);

    // mail1 returns; after preemptDelay vip201 goes home and mail2 lets go of it.
    const again = await startAgent(configFile, 'mail1');
    await eventually(
      async () => (await held(again.listen)).join() === 'vip201' && (await held(b.listen)).join() === 'vip202',
      20_000,
      'vip201 back on mail1',
    );
    const status = (await (await fetch(`http://${again.listen}/status`)).json()) as Status;
    expect(status.controlPlane.reachable).toBe(true);
    expect(status.held[0]!.epoch).toBeGreaterThanOrEqual(3);

    // mail2 crashes (no leaving heartbeat): its VIP moves once deadAfter has passed, not before.
    const crashedAt = Date.now();
    b.proc.kill('SIGKILL');
    await eventually(
      async () => (await held(again.listen)).join() === 'vip201,vip202',
      6000,
      'mail1 holding both after the crash',
    );
    const crashMs = Date.now() - crashedAt;
    console.log(`crash takeover ${JSON.stringify({ tookMs: crashMs, deadAfterMs: 3000 })}`);
    // Dead at its last heartbeat (up to one 200 ms interval before the kill) + deadAfter.
    expect(crashMs).toBeGreaterThanOrEqual(3000 - 250);
    expect(crashMs).toBeLessThan(3000 + 2000);

    for (const p of [again.proc, control]) p.kill('SIGTERM');
    expect(await Promise.all([again.proc.exited(15_000), control.exited(15_000)])).toEqual([0, 0]);
  }, 90_000);
});
