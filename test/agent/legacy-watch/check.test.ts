import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_SCRIPT } from '../../../agent/legacy-watch/raw-capture';
import { stateLine } from '../../../agent/legacy-watch/verdict';

/** check.sh as the agent runs it: real bash, real files; the table is what a state file can hold. */
const CHECK = fileURLToPath(new URL('../../../agent/legacy-watch/check.sh', import.meta.url));

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 5000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, out: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'legacy-check-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('check.sh', () => {
  const now = () => Date.now();
  const base = { startedAt: 0, vrids: [51], lastMaster: null };
  const cases: Array<[string, () => string | Buffer, number, RegExp]> = [
    [
      'fresh, quiet period over',
      () => stateLine(base, now(), 3000),
      0,
      /^clear: no VRRP master for vrid 51 heard since/,
    ],
    [
      'fresh, a master heard a second ago',
      () =>
        stateLine(
          { ...base, lastMaster: { at: now() - 1000, source: '198.18.0.12', vrid: 51, priority: 100 } },
          now(),
          3000,
        ),
      1,
      /^passive: clear in \d+ ms: last VRRP master 198\.18\.0\.12/,
    ],
    [
      'stale: the watcher stopped writing',
      () => stateLine(base, now() - 5000, 3000),
      1,
      /state is 5\d{3} ms old \(limit 2000 ms\): the watcher has stopped/,
    ],
    ['written in the future (the clock stepped back)', () => stateLine(base, now() + 60_000, 3000), 0, /^clear/],
    ['empty', () => '', 1, /cannot read/],
    [
      "another program's file",
      () => '{"watcherAt":1,"vrids":[51],"lastMaster":null}\n',
      1,
      /not a legacy-watch state file/,
    ],
    ['a later format', () => `ipferry-legacy-vrrp 2 ${now()} 0 why\n`, 1, /not a legacy-watch state file \(format 1\)/],
    ['times not numbers', () => 'ipferry-legacy-vrrp 1 soon never why\n', 1, /has no times in it/],
    ['a time past 64-bit arithmetic', () => `ipferry-legacy-vrrp 1 ${'9'.repeat(30)} 0 why\n`, 1, /has no times in it/],
    ['a negative time', () => `ipferry-legacy-vrrp 1 -1 0 why\n`, 1, /has no times in it/],
    [
      'leading zeros are decimal, not octal',
      () => `ipferry-legacy-vrrp 1 ${now()} 0000000000089 why\n`,
      0,
      /^clear: why/,
    ],
    ['no newline at the end', () => `ipferry-legacy-vrrp 1 ${now()} 0 why`, 0, /^clear: why/],
    [
      'binary garbage',
      () => Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 97) & 0xff)),
      1,
      /not a legacy-watch state file/,
    ],
    ['one huge line', () => `ipferry-legacy-vrrp 1 ${now()} 0 ${'x'.repeat(100_000)}\n`, 0, /^clear: x+$/],
    [
      'shell syntax in the reason is only text',
      () => `ipferry-legacy-vrrp 1 ${now()} ${now() + 9000} $(touch /tmp/legacy-pwned) \`id\`\n`,
      1,
      /clear in \d+ ms: \$\(touch \/tmp\/legacy-pwned\) `id`$/,
    ],
  ];
  it.each(cases)('%s', async (name, content, code, says) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.state`);
    await writeFile(file, content());
    const r = await run('bash', [CHECK, '--state', file]);
    expect(r.out.slice(0, 300)).toMatch(says);
    expect(r.code).toBe(code);
  });

  it("is passive when the file is missing, and finds this network namespace's file with --state-dir", async () => {
    expect(await run('bash', [CHECK, '--state', join(dir, 'none')])).toEqual({
      code: 1,
      out: `passive: cannot read ${join(dir, 'none')}: is the watcher running?`,
    });
    const { readlinkSync } = await import('node:fs');
    const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))![1]!;
    await writeFile(join(dir, `legacy-vrrp-net${ns}.state`), `ipferry-legacy-vrrp 1 ${Date.now()} 0 here\n`);
    expect(await run('bash', [CHECK, '--state-dir', dir])).toEqual({ code: 0, out: 'clear: here' });
  });

  it('reads the clock whatever the locale says the decimal point is, and takes --stale-ms', async () => {
    const file = join(dir, 'locale.state');
    await writeFile(file, `ipferry-legacy-vrrp 1 ${Date.now() - 3000} 0 why\n`);
    expect((await run('bash', [CHECK, '--state', file, '--stale-ms', '10000'], { LC_ALL: 'de_DE.UTF-8' })).code).toBe(
      0,
    );
    expect((await run('bash', [CHECK, '--state', file, '--stale-ms', '1000'])).code).toBe(1);
  });

  const usage: Array<[string, string[]]> = [
    ['no arguments', []],
    ['an option without its value', ['--state']],
    ['an unknown option', ['--state', '/x', '--quiet', '1']],
    ['a stale limit that is no number', ['--state', '/x', '--stale-ms', '2s']],
  ];
  it.each(usage)('refuses %s with exit 2, never clear', async (_, args) => {
    const r = await run('bash', [CHECK, ...args]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/usage: check\.sh/);
  });
});

describe('the capture script', () => {
  it("compiles under this host's perl, with the Socket constants it imports", async () => {
    expect(await run('perl', ['-c', '-e', CAPTURE_SCRIPT, 'eth0'])).toEqual({ code: 0, out: '-e syntax OK' });
  });
});
