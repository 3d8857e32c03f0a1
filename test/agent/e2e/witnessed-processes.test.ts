/**
 * Witnessed liveness with nothing stood in: `ipferry control` and three `ipferry agent` processes
 * (recording host network) on 127.0.0.x, heartbeats between agents over UDP, reports over HTTP.
 * The owner is frozen with SIGSTOP: its witnesses report it silent and the VIP moves; thawed, it
 * forgets what it heard, asks, and lets go.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { spawnIpferry, type AgentProcess } from '../../helpers/agent-process';
import { closedPort } from '../../helpers/closed-port';

interface Status {
  held: Array<{ vip: string; epoch: number | null }>;
  witness?: { watching: Array<{ node: string; heard: boolean | null }> };
}

let dir: string;
const procs: AgentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-e2e-wit-'));
});
afterAll(async () => {
  for (const p of procs) {
    p.child.kill('SIGCONT');
    if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

async function status(listen: string): Promise<Status> {
  return (await (await fetch(`http://${listen}/status`)).json()) as Status;
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('witnessed agents as processes (ipferry control + ipferry agent)', () => {
  it('a frozen owner (SIGSTOP) loses its VIP to a witness; thawed, it forgets what it heard and lets go', async () => {
    const listen = `127.0.0.1:${await closedPort()}`;
    const configFile = join(dir, 'cluster.yaml');
    const nodes = ['w1', 'w2', 'w3'];
    await writeFile(
      configFile,
      stringify({
        cluster: 'wit',
        control: { mode: 'local', listen, witness: { port: await closedPort(), keepalive: '3s' } },
        security: { psk: 'wit-psk-0123456789abcdef' },
        timers: { heartbeatInterval: '200ms', deadAfter: '600ms', preemptDelay: '60s', minHold: '1s' },
        nodes: nodes.map((id, i) => ({ id, interface: 'eth0', addresses: [`127.0.0.${41 + i}`] })),
        vips: [{ name: 'web', address: '198.18.4.10/24', preferred: 'w1' }],
      }),
    );
    const control = spawnIpferry(['control', '--config', configFile, '--log-level', 'info']);
    procs.push(control);
    await control.waitForLog((l) => l.msg === 'control plane listening');
    const agents = await Promise.all(
      nodes.map(async (id) => {
        const proc = spawnIpferry([
          'agent',
          '--config',
          configFile,
          '--node',
          id,
          '--hostnet',
          'recording',
          '--metrics',
          '127.0.0.1:0',
          '--log-level',
          'info',
        ]);
        procs.push(proc);
        const line = await proc.waitForLog((l) => typeof l.listen === 'string');
        return { id, proc, listen: String(line.listen) };
      }),
    );
    const holding = async (among: typeof agents) =>
      (
        await Promise.all(
          among.map(async (a) => ((await status(a.listen)).held.some((h) => h.vip === 'web') ? a : undefined)),
        )
      ).filter((a) => a !== undefined);
    // Whoever reported first may hold it (preemptDelay is long): freeze that one.
    let owner: (typeof agents)[0] | undefined;
    await eventually(
      async () => {
        const h = await holding(agents);
        owner = h.length === 1 ? h[0] : undefined;
        return owner !== undefined;
      },
      30_000,
      'one agent holding web',
    );
    const others = agents.filter((a) => a !== owner);
    expect((await status(others[0]!.listen)).witness?.watching.length).toBe(2);

    const frozenAt = Date.now();
    owner!.proc.child.kill('SIGSTOP');
    await eventually(async () => (await holding(others)).length === 1, 8000, 'a witness holding web');
    const tookMs = Date.now() - frozenAt;
    console.log(`witnessed SIGSTOP takeover ${JSON.stringify({ tookMs, deadAfterMs: 600 })}`);
    expect(tookMs).toBeLessThan(5000);
    // Its witnesses say so on /metrics too.
    const metrics = await (await fetch(`http://${others[0]!.listen}/metrics`)).text();
    expect(metrics).toContain(`ipferry_witness_heard{node="${owner!.id}"} 0`);
    expect(metrics).toContain(`ipferry_witness_heard{node="${others[1]!.id}"} 1`);

    owner!.proc.child.kill('SIGCONT');
    await eventually(
      async () => !(await status(owner!.listen)).held.some((h) => h.vip === 'web'),
      10_000,
      'the thawed agent letting go',
    );
    expect(await holding(others)).toHaveLength(1);
    expect(owner!.proc.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('was frozen'))).toBe(true);

    for (const p of [...agents.map((a) => a.proc), control]) p.kill('SIGTERM');
    expect(await Promise.all([...agents.map((a) => a.proc.exited(15_000)), control.exited(15_000)])).toEqual([
      0, 0, 0, 0,
    ]);
  }, 120_000);
});
