import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askHelper, type HelperRequest } from '../../agent/hooks';

// Issue 15, "hooks that can act": the agent stays unprivileged and asks a root-owned helper to run
// commands named in an allow-list. The helper runs here as a process of its own (root; as an
// ordinary user, root of a user namespace of its own), the agent's side as uid 65534 (as an
// ordinary user, as that user): every request below is what a compromised agent could send.
const isRoot = process.getuid?.() === 0;
const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ipferry-helper-'));
chmodSync(dir, 0o755);
const socket = join(dir, 'helper.sock');
const allow = join(dir, 'allow.yaml');
const script = (name: string, body: string) => {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
};
const record = script(
  'record.sh',
  `{ id -u; for a in "$@"; do printf '<%s>' "$a"; done; echo; env | grep -c . ; echo "$IPFERRY_VIP $IPFERRY_STATE"; } > ${dir}/record.txt`,
);
const failing = script('fail.sh', `printf 'postfix: \\033]0;owned\\007 restart failed\\n' >&2; exit 3`);
const noisy = script('noisy.sh', `i=0; while [ $i -lt 2000 ]; do printf '\\033[2J%050d\\n' $i; i=$((i+1)); done`);
const sleeper = script('sleeper.sh', `sleep 30 & echo $! > ${dir}/child.pid; sleep 30`);
writeFileSync(
  allow,
  [
    'commands:',
    `  record: { argv: [${record}, '{vip}', '{address}', '{interface}', '{state}', 'two words'] }`,
    `  restart-postfix: { argv: [${failing}] }`,
    `  noisy: { argv: [${noisy}] }`,
    `  sleeper: { argv: [${sleeper}], timeout: 300ms }`,
  ].join('\n'),
  { mode: 0o644 },
);

let helper: ChildProcess;
const helperLog: string[] = [];

beforeAll(async () => {
  const node = [
    process.execPath,
    '--import',
    'tsx',
    'cli/main.ts',
    'hook-helper',
    '--allow',
    allow,
    '--listen',
    socket,
  ];
  const [cmd, ...args] = isRoot
    ? [...node, '--group', '65534']
    : ['unshare', '--user', '--map-root-user', '--', ...node];
  helper = spawn(cmd!, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: helper.stderr! }).on('line', (l) => helperLog.push(l));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: helper.stdout! }).on('line', (l) => l.startsWith('listening') && resolve());
    helper.once('exit', (code) => reject(new Error(`helper exited ${code}: ${helperLog.join('\n')}`)));
  });
});
afterAll(() => {
  helper?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const request = (over: Record<string, unknown> = {}): HelperRequest =>
  ({
    v: 1,
    command: 'record',
    vip: 'smtp',
    address: '198.18.0.74',
    interface: 'eth1',
    state: 'up',
    node: 'server1',
    epoch: 7,
    timeoutMs: 5000,
    ...over,
  }) as HelperRequest;

type Result = { ok: boolean; reason?: string; error?: string; ms: number; raw?: string };
/** Runs the agent's side as an ordinary user: uid 65534 via setpriv when root, else as we are. */
function asAgent(items: unknown[], uid = 65534): { uid: number; results: Result[] } {
  const node = [process.execPath, '--import', 'tsx', 'test/security/fixtures/helper-client.ts', socket];
  const drop = isRoot ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'] : [];
  const [cmd, ...args] = [...drop, ...node, JSON.stringify(items)];
  const r = spawnSync(cmd!, args, { cwd: repo, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { uid: number; results: Result[] };
}

const raw = (text: string) => ({ raw: text });
/** The helper's log line matching, once the test's event loop has read it (spawnSync held it up). */
async function logged(pattern: RegExp): Promise<string | undefined> {
  for (let i = 0; i < 50 && !helperLog.some((l) => pattern.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
  return helperLog.find((l) => pattern.test(l));
}
const replyOf = (r: Result) => JSON.parse(r.raw!.split('\n')[0]!) as Result;

// What the agent's side sends, in one process started as the agent (each start of it costs
// seconds on a loaded machine): the refusals first, then the runs that end badly.
let out: { uid: number; results: Result[] };
beforeAll(() => {
  out = asAgent([
    { request: request() },
    { request: request({ command: 'rm-rf' }) },
    { request: request({ vip: 'smtp; rm -rf /' }) },
    { request: request({ address: '--help' }) },
    { request: request({ interface: 'eth0 -rf' }) },
    raw(`${JSON.stringify({ ...request(), argv: ['/bin/sh', '-c', 'id'] })}\n`),
    raw(`${JSON.stringify({ ...request(), command: '../../bin/sh' })}\n`),
    raw(`${JSON.stringify({ ...request(), state: 'up\n--force' })}\n`),
    raw('not json\n'),
    raw('x'.repeat(5000)),
    raw('{"v":1,"command":"rec'),
    raw(`${JSON.stringify(request({ command: 'restart-postfix' }))}\n`),
    { request: request({ command: 'sleeper' }) },
    { request: request({ command: 'restart-postfix' }) },
    { request: request({ command: 'noisy' }) },
  ]);
});

describe('security: the hook helper runs only what its allow-list names, for an unprivileged agent', () => {
  it('runs an allowed command as root with the VIP values as whole arguments; refuses the rest with reasons', async () => {
    expect(out.uid).not.toBe(0);
    const [ran, unlisted, vip, address, iface, extraField, path, state, notJson, long, half, ended] = out.results as [
      Result,
      ...Result[],
    ];
    expect(ran).toMatchObject({ ok: true });
    const [uid, args, envCount, envSaid] = readFileSync(join(dir, 'record.txt'), 'utf8').trim().split('\n');
    expect(uid).toBe('0'); // root: in its user namespace when the suite is an ordinary user
    expect(args).toBe('<smtp><198.18.0.74><eth1><up><two words>');
    expect(Number(envCount)).toBeLessThanOrEqual(9); // PATH, LANG, IPFERRY_*, and the shell's PWD: nothing of the helper's
    expect(envSaid).toBe('smtp up');
    expect(unlisted).toMatchObject({
      ok: false,
      reason: 'refused',
      error: `"rm-rf" is not in the allow-list ${allow}`,
    });
    expect(vip).toMatchObject({
      reason: 'refused',
      error: expect.stringMatching(/^bad request: vip: expected a name/),
    });
    expect(address).toMatchObject({ reason: 'refused', error: 'bad request: address: expected an IP address' });
    expect(iface).toMatchObject({ reason: 'refused', error: expect.stringMatching(/^bad request: interface: /) });
    expect(replyOf(extraField!)).toMatchObject({ reason: 'refused', error: expect.stringMatching(/argv/) });
    expect(replyOf(path!)).toMatchObject({
      reason: 'refused',
      error: expect.stringMatching(/^bad request: command: /),
    });
    expect(replyOf(state!)).toMatchObject({ reason: 'refused', error: expect.stringMatching(/^bad request: state: /) });
    expect(replyOf(notJson!)).toMatchObject({ reason: 'refused', error: 'bad request: the request is not JSON' });
    expect(replyOf(long!)).toMatchObject({ reason: 'refused', error: 'request longer than 4096 bytes' });
    expect(replyOf(half!)).toMatchObject({
      reason: 'refused',
      error: 'the connection ended before a whole request line',
    });
    expect(replyOf(ended!)).toMatchObject({ ok: false, reason: 'exit' }); // a whole line, then the end: still run
    // Each refusal is in the helper's log too, with its reason.
    expect(await logged(/is not in the allow-list/)).toBeDefined();
  });

  it('a timeout kills the command and what it started; failures and floods come back bounded and escaped', async () => {
    const [slept, failed, flood] = out.results.slice(12) as [Result, Result, Result & { output?: string }];
    expect(slept).toMatchObject({ ok: false, reason: 'timeout', error: 'timed out after 300ms, killed' });
    expect(slept.ms).toBeLessThan(5000);
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(existsSync(`/proc/${child}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${child}/status`, 'utf8'))).toBe(
      false,
    );
    expect(failed).toMatchObject({ ok: false, reason: 'exit' });
    expect(failed.error).toBe('exit code 3: postfix: \\x1b]0;owned\\x07 restart failed');
    expect(flood).toMatchObject({ ok: true });
    // The agent's view keeps no output; the helper's log line keeps 2000 escaped characters of it.
    const line = await logged(/"command":"noisy"/);
    const output = (JSON.parse(line!) as { output: string }).output;
    expect(output.length).toBeLessThanOrEqual(2000);
    expect(output).toMatch(/^\\x1b\[2J0{50}\\x0a/);
    expect(output.includes('\u001b')).toBe(false);
  });

  it('an allow-list others may write is refused, said to the agent; only the agent’s group may connect', async () => {
    chmodSync(allow, 0o666);
    try {
      expect(await askHelper(socket, request())).toMatchObject({
        ok: false,
        reason: 'refused',
        error: expect.stringMatching(/writable by group or others \(mode 666\): refused$/),
      });
    } finally {
      chmodSync(allow, 0o644);
    }
    expect(await askHelper(socket, request())).toMatchObject({ ok: true });
    if (isRoot) {
      // Another unprivileged user (not in group 65534): the socket's mode 0660 keeps it out.
      const other = asAgent([{ request: request() }], 65533);
      expect(other.results[0]).toMatchObject({
        ok: false,
        reason: 'not-run',
        error: expect.stringMatching(/hook helper not reachable at .*\(EACCES\)/),
      });
    }
  });
});
