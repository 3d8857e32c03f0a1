import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execCheck } from '../../agent/checks/exec';
import type { ExecCheckSpec } from '../../agent/checks/specs';
import { findSetpriv, parseCapSets, withoutCapabilities } from '../../agent/hooks/drop-caps';
import { execHook } from '../../agent/hooks/exec-hook';

// Issue 17, finding 9: hooks and exec checks inherited the agent's CAP_NET_ADMIN and CAP_NET_RAW,
// so any operator script (and whatever it ran) could move addresses and forge ARP. Each script
// below prints its own /proc/self/status capability lines; they must all be zero.
const dir = mkdtempSync(join(tmpdir(), 'ipferry-caps-'));
chmodSync(dir, 0o755);
const script = join(dir, 'print-caps.sh');
// CAPS_OUT: a file for the hook (its output is not kept), '-' for the check (its first line is the detail).
writeFileSync(
  script,
  '#!/bin/sh\nline=$(grep -E "^Cap(Eff|Prm|Amb|Inh)" /proc/self/status | tr "\\n" " ")\nif [ "$CAPS_OUT" = - ]; then echo "$line"; else echo "$line" > "$CAPS_OUT"; fi\n',
  { mode: 0o755 },
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ZERO = /CapInh:\s*0+ CapPrm:\s*0+ CapEff:\s*0+ CapAmb:\s*0+/;
const spec: ExecCheckSpec = {
  kind: 'exec',
  command: [script],
  env: { CAPS_OUT: '-' },
  interval: 10_000,
  timeout: 5_000,
  rise: 1,
  fall: 1,
};

describe('security: hooks and exec checks run without the agent’s capabilities', () => {
  it('this test process holds capabilities (root), so the checks below mean something', () => {
    const caps = parseCapSets(readFileSync('/proc/self/status', 'utf8'));
    expect((caps.effective >> 12n) & 1n).toBe(1n); // CAP_NET_ADMIN
    expect((caps.effective >> 13n) & 1n).toBe(1n); // CAP_NET_RAW
    expect(findSetpriv()).toBeDefined(); // util-linux, Priority: required on Debian
  });

  it('a hook and an exec check started by a root agent hold no capabilities', async () => {
    const out = join(dir, 'root-hook.txt');
    expect(
      await execHook({ file: script, args: ['eth0', '198.18.0.10'], env: { CAPS_OUT: out }, timeoutMs: 5_000 }),
    ).toMatchObject({ ok: true });
    expect(readFileSync(out, 'utf8')).toMatch(ZERO);
    const check = await execCheck(spec);
    expect(check.ok).toBe(true);
    expect(check.detail).toMatch(ZERO);
  });

  it('the same under the unit’s setting: an unprivileged agent with ambient CAP_NET_ADMIN and CAP_NET_RAW', () => {
    const out = join(dir, 'ambient-hook.txt');
    writeFileSync(out, '', { mode: 0o666 });
    chmodSync(out, 0o666);
    // The agent as the unit starts it: another user, the two capabilities inheritable and ambient.
    const run = spawnSync(
      '/usr/bin/setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=-all,+net_admin,+net_raw',
        '--ambient-caps=+net_admin,+net_raw',
        '--',
        process.execPath,
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures', 'caps-runner.ts'),
        script,
        out,
      ],
      { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } },
    );
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      mine: string;
      hook: { ok: boolean };
      hookSaw: string;
      check: { ok: boolean; detail: string };
    };
    expect(seen.mine).toMatch(/CapAmb:\s*0+3000\b/); // the agent really held both (bits 12 and 13)
    expect(seen.hook.ok).toBe(true);
    expect(seen.hookSaw).toMatch(ZERO);
    expect(seen.check.ok).toBe(true);
    expect(seen.check.detail).toMatch(ZERO);
  });

  it('without setpriv a process holding capabilities refuses to run the script (fail closed); one holding none runs it as it is', () => {
    const held = { inheritable: 0n, permitted: 0x3000n, effective: 0x3000n, ambient: 0x3000n };
    expect(withoutCapabilities('/etc/ipferry/up.sh', ['eth0'], { caps: held, setpriv: undefined })).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^\/etc\/ipferry\/up\.sh: not run, the agent's capabilities \(CAP_NET_ADMIN, CAP_NET_RAW\) cannot be dropped: setpriv \(util-linux\) not found/,
      ),
    });
    const none = { inheritable: 0n, permitted: 0n, effective: 0n, ambient: 0n };
    expect(withoutCapabilities('/etc/ipferry/up.sh', ['eth0'], { caps: none, setpriv: undefined })).toEqual({
      ok: true,
      file: '/etc/ipferry/up.sh',
      args: ['eth0'],
    });
    // The unit's user lacks CAP_SETPCAP: no bounding-set drop asked for (setpriv would fail on it).
    expect(withoutCapabilities('/x', [], { caps: held, setpriv: '/usr/bin/setpriv' })).toEqual({
      ok: true,
      file: '/usr/bin/setpriv',
      args: ['--inh-caps=-all', '--ambient-caps=-all', '--', '/x'],
    });
  });
});
