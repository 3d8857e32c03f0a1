import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnIpferry, type AgentProcess } from '../helpers/agent-process';
import { closedPort } from '../helpers/closed-port';
import { freeUdpPorts } from './peer/udp-ports';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PSK = 'reload-psk-0123456789abcdef';
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'ipferry-reload-cli-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `ipferry agent reload …` as an operator (or systemd's ExecReload=) runs it. */
async function reloadCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'agent', 'reload', ...args], {
    cwd: ROOT,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('ipferry agent reload, against an agent process', () => {
  let agent: AgentProcess | undefined;
  afterAll(() => {
    if (agent && agent.child.exitCode === null) agent.kill('SIGKILL');
  });

  it('SIGHUP through the command: applied and printed; a bad file: exit 1 with the reason, the agent runs on', async () => {
    const [udp] = await freeUdpPorts(1);
    const metrics = `127.0.0.1:${await closedPort()}`;
    const doc = (vips: Array<Record<string, unknown>>) =>
      JSON.stringify({
        cluster: 'reload-cli',
        control: { mode: 'peer', port: udp, peers: [], quorum: 'none' },
        security: { psk: PSK },
        timers: { heartbeatInterval: '100ms', deadAfter: '300ms' },
        nodes: [{ id: 'n1', interface: 'eth0', addresses: ['127.0.0.1'] }],
        vips,
      });
    const web = { name: 'web', address: '198.18.0.101/24' };
    const file = join(dir, 'ipferry.json');
    await writeFile(file, doc([web]));
    const args = ['agent', '--config', file, '--node', 'n1', '--hostnet', 'recording', '--identity', 'config'];
    agent = spawnIpferry([...args, '--metrics', metrics]);
    await agent.waitForLog((l) => String(l.msg).startsWith('bound web'));

    await writeFile(file, doc([web, { name: 'mail', address: '198.18.0.102/24' }]));
    const ok = await reloadCommand(['--metrics', metrics]);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^reloaded: digest [0-9a-f]+ → [0-9a-f]+; VIPs added \[mail\], taken down \[\]\n$/);
    await agent.waitForLog((l) => String(l.msg).startsWith('bound mail'), 5000);

    await writeFile(file, 'cluster: [');
    const bad = await reloadCommand(['--metrics', metrics, '--pid', String(agent.child.pid)]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ipferry agent reload: reload refused, still running');
    expect(bad.stderr).toContain('is not valid');
    const wrongPid = await reloadCommand(['--metrics', metrics, '--pid', '1']);
    expect(wrongPid).toMatchObject({ code: 1 });
    expect(wrongPid.stderr).toContain(`says it is pid ${agent.child.pid}, not 1: not signalling either`);

    expect(agent.child.exitCode).toBeNull();
    expect(agent.logs.filter((l) => /^(unbound|bound) web/.test(String(l.msg)))).toHaveLength(1);
    agent.kill('SIGTERM');
    expect(await agent.exited()).toBe(0);
  }, 60_000);

  it("is the unit's ExecReload=, with systemd's $MAINPID", async () => {
    const unit = await readFile(join(ROOT, 'agent/systemd/ipferry-agent.service'), 'utf8');
    expect(unit).toContain(
      '\nExecReload=/usr/bin/env node --no-opt /usr/local/lib/ipferry/ipferry-agent.mjs agent reload --metrics 127.0.0.1:9477 --pid $MAINPID\n',
    );
  });
});
