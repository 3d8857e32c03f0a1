import { execFile, spawn } from 'node:child_process';
import { lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLES, buildBundle } from '../../scripts/bundle';
import { closedPort } from '../helpers/closed-port';
import { startEtcd } from '../helpers/etcd';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL = join(ROOT, 'agent/install.sh');
const UNIT = join(ROOT, 'agent/systemd/ipferry-agent.service');

let dir: string;
let bundle: string;
let agentBundle: string;
const bundles = () => ['--bundle', bundle, '--agent-bundle', agentBundle];

/** Runs install.sh; resolves with its exit code and output whatever the code. */
async function install(env: Record<string, string>, args: string[]) {
  try {
    const { stdout, stderr } = await run('bash', [INSTALL, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The unit as systemd reads it: sections of key=value lines (comments and blanks dropped). */
function parseUnit(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] = {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit line: ${line}`);
    current[kv[1]!] = kv[2]!;
  }
  return sections;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-pkg-'));
  // The same bundles `npm run build` makes (scripts/bundle.ts), into the temp dir.
  bundle = join(dir, 'ipferry.mjs');
  agentBundle = join(dir, 'ipferry-agent.mjs');
  await Promise.all([buildBundle(BUNDLES.cli.entry, bundle), buildBundle(BUNDLES.agent.entry, agentBundle)]);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('agent/systemd/ipferry-agent.service', () => {
  it('is hardened: two capabilities, no new privileges, read-only system, its own user, restarted always', async () => {
    const unit = parseUnit(await readFile(UNIT, 'utf8'));
    expect(unit.Service).toMatchObject({
      User: 'ipferry',
      NoNewPrivileges: 'yes',
      CapabilityBoundingSet: 'CAP_NET_ADMIN CAP_NET_RAW',
      AmbientCapabilities: 'CAP_NET_ADMIN CAP_NET_RAW',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      Restart: 'always',
    });
    expect(unit.Service!.ExecStart).toBe(
      '/usr/bin/env node --no-opt /usr/local/lib/ipferry/ipferry-agent.mjs agent --config /etc/ipferry/ipferry.yaml --node ${IPFERRY_NODE} --hostnet linux --metrics 127.0.0.1:9477 $IPFERRY_AGENT_ARGS',
    );
    expect(unit.Install).toEqual({ WantedBy: 'multi-user.target' });
  });
});

describe('agent/install.sh', () => {
  it('passes bash -n', async () => {
    await expect(run('bash', ['-n', INSTALL])).resolves.toBeDefined();
  });

  it('stages the program, the unit and the config directory under DESTDIR, and again without touching agent.env', async () => {
    const dest = join(dir, 'stage');
    const first = await install({ DESTDIR: dest }, [...bundles(), '--node', 'mail1']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`wrote ${dest}/etc/ipferry/agent.env (node mail1)`);
    expect((await stat(join(dest, 'usr/local/lib/ipferry/ipferry.mjs'))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(dest, 'usr/local/bin/ipferry'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dest, 'usr/local/bin/ipferry'))).toBe('../lib/ipferry/ipferry.mjs');
    expect((await stat(join(dest, 'etc/ipferry'))).mode & 0o777).toBe(0o750);
    expect(await readFile(join(dest, 'etc/systemd/system/ipferry-agent.service'), 'utf8')).toBe(
      await readFile(UNIT, 'utf8'),
    );

    await writeFile(
      join(dest, 'etc/ipferry/agent.env'),
      'IPFERRY_NODE=mail1\nIPFERRY_AGENT_ARGS=--key /etc/ipferry/node.key\n',
    );
    const second = await install({ DESTDIR: dest }, [...bundles(), '--node', 'other']);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('kept');
    expect(await readFile(join(dest, 'etc/ipferry/agent.env'), 'utf8')).toBe(
      'IPFERRY_NODE=mail1\nIPFERRY_AGENT_ARGS=--key /etc/ipferry/node.key\n',
    );

    // The installed `ipferry` is the whole CLI in one file.
    const { stdout } = await run(join(dest, 'usr/local/bin/ipferry'), ['--help']);
    expect(stdout).toContain('control');
    expect(stdout).toContain('sim');
    // The unit's program, run as the unit runs it: the agent and what a host needs, nothing else.
    expect((await stat(join(dest, 'usr/local/lib/ipferry/ipferry-agent.mjs'))).mode & 0o777).toBe(0o755);
    const exec = parseUnit(await readFile(UNIT, 'utf8')).Service!.ExecStart!.split(' ');
    const agentProgram = exec
      .slice(0, exec.indexOf('agent'))
      .map((w) => w.replace('/usr/local/', `${dest}/usr/local/`));
    const help = await run(agentProgram[0]!, [...agentProgram.slice(1), 'agent', '--help']);
    expect(help.stdout).toContain('usage: ipferry agent --config FILE --node ID [options]');
    const usage = await run(agentProgram[0]!, [...agentProgram.slice(1), '--help']);
    expect(usage.stdout).toContain('agent');
    expect(usage.stdout).not.toContain('control');
  });

  it('follows PREFIX and SYSCONFDIR in the unit it installs', async () => {
    const dest = join(dir, 'opt');
    expect(await install({ DESTDIR: dest, PREFIX: '/opt/ipferry', SYSCONFDIR: '/srv/etc' }, bundles())).toMatchObject({
      code: 0,
    });
    const unit = parseUnit(await readFile(join(dest, 'etc/systemd/system/ipferry-agent.service'), 'utf8'));
    expect(unit.Service!.ExecStart).toMatch(
      /^\/usr\/bin\/env node --no-opt \/opt\/ipferry\/lib\/ipferry\/ipferry-agent\.mjs agent --config \/srv\/etc\/ipferry\/ipferry\.yaml /,
    );
    expect(unit.Service!.EnvironmentFile).toBe('/srv/etc/ipferry/agent.env');
  });

  it('refuses to install without a bundle, saying how to make one', async () => {
    const r = await install({ DESTDIR: join(dir, 'none') }, [
      '--bundle',
      join(dir, 'missing.mjs'),
      '--agent-bundle',
      agentBundle,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `install.sh: no bundle at ${join(dir, 'missing.mjs')}: run 'npm run build' first, or pass --bundle\n`,
    );
  });

  it('installs a unit that systemd-analyze accepts without a warning (when systemd is on this host)', async () => {
    const dest = join(dir, 'verify');
    expect(await install({ DESTDIR: dest }, bundles())).toMatchObject({ code: 0 });
    // Point the unit at the staged program so verify can find the executable.
    const staged = (await readFile(join(dest, 'etc/systemd/system/ipferry-agent.service'), 'utf8'))
      .replace('/usr/local/lib/ipferry/', join(dest, 'usr/local/lib/ipferry/'))
      .replaceAll('/etc/ipferry/', join(dest, 'etc/ipferry/'));
    const unitFile = join(dir, 'ipferry-agent.service');
    await writeFile(unitFile, staged);
    const analyze = await run('systemd-analyze', ['--version']).then(
      () => true,
      () => false,
    );
    if (!analyze) {
      expect(Object.keys(parseUnit(staged))).toEqual(['Unit', 'Service', 'Install']);
      return;
    }
    const verify = await run('systemd-analyze', ['verify', unitFile]);
    expect(verify.stderr).toBe('');
    const security = await run('systemd-analyze', ['security', '--offline=yes', unitFile]);
    const exposure = Number(/Overall exposure level for .*: (\d+\.\d+)/.exec(security.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(3);
  });

  // The installed program must run, not only print its usage: an ESM bundle has no __dirname, and the
  // etcd client reads its gRPC definitions from beside itself (once, it killed the agent in every mode).
  it.each(['peer', 'etcd'] as const)(
    'the installed agent runs in %s mode, binds its VIP and leaves on SIGTERM',
    async (mode) => {
      const dest = join(dir, `run-${mode}`);
      expect(await install({ DESTDIR: dest }, bundles())).toMatchObject({ code: 0 });
      const etcd = mode === 'etcd' ? await startEtcd() : undefined;
      try {
        const config = join(dir, `run-${mode}.yaml`);
        const control =
          mode === 'etcd'
            ? `{ mode: etcd, endpoints: [${etcd!.endpoints[0]}] }`
            : `{ mode: peer, port: ${await closedPort()}, quorum: none }`;
        await writeFile(
          config,
          [
            `cluster: pkg-${mode}`,
            `control: ${control}`,
            'security: { psk: packaging-run-psk-0123456789abcdef }',
            "timers: { heartbeatInterval: 200ms, deadAfter: '1s' }",
            'nodes: [{ id: a, interface: eth0, addresses: [127.0.0.71] }]',
            'vips: [{ name: v1, address: 198.18.0.71/24 }]',
          ].join('\n'),
        );
        const agent = spawn(
          'node',
          [join(dest, 'usr/local/lib/ipferry/ipferry-agent.mjs'), 'agent', '--config', config, '--node', 'a'].concat([
            '--hostnet',
            'recording',
            '--metrics',
            '127.0.0.1:0',
            '--ops-token',
            join(dir, `run-${mode}.token`),
          ]),
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        agent.stdout.on('data', (d: Buffer) => (out += d.toString()));
        agent.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
        for (let i = 0; i < 200 && !out.includes('"msg":"bound v1"') && agent.exitCode === null; i++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        expect(out).toContain('"msg":"bound v1"');
        agent.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        await etcd?.close();
      }
    },
    30_000,
  );
});
