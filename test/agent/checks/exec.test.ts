import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../agent/checks';
import { activeResources, leakedSince } from '../../helpers/handles';
import { spec } from './specs';

/** Whether a process still runs (a zombie waiting for its reaper counts as gone). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], maxMs = 2000): Promise<number[]> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function check(command: string[], extra: Record<string, unknown> = {}) {
  const before = activeResources();
  const outcome = await runCheck(spec({ kind: 'exec', command, ...extra }));
  expect(await leakedSince(before)).toEqual({}); // no child, pipe or timer left behind
  return outcome;
}

describe('exec check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipferry-exec-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is healthy on exit 0 and quotes the first line of output', async () => {
    expect(await check(['/bin/sh', '-c', 'echo queue ok; echo second line'])).toMatchObject({
      ok: true,
      detail: 'exit 0: queue ok',
    });
  });

  it('fails on a non-zero exit with the first line of stderr', async () => {
    expect(await check(['/bin/sh', '-c', 'echo some stdout; echo "queue too long: 812" >&2; exit 2'])).toMatchObject({
      ok: false,
      detail: 'exit code 2: queue too long: 812',
    });
  });

  it('says so when a failing command printed nothing', async () => {
    expect(await check(['/bin/sh', '-c', 'exit 3'])).toMatchObject({ ok: false, detail: 'exit code 3 (no output)' });
  });

  it('names the signal that killed the command', async () => {
    expect(await check(['/bin/sh', '-c', 'kill -TERM $$'])).toMatchObject({
      ok: false,
      detail: 'killed by SIGTERM (no output)',
    });
  });

  it('runs without a shell: arguments are passed as they are', async () => {
    expect(await check(['/bin/echo', '$HOME; exit 1'])).toMatchObject({ ok: true, detail: 'exit 0: $HOME; exit 1' });
  });

  it("merges env into the agent's environment", async () => {
    const outcome = await check(['/bin/sh', '-c', 'test -n "$PATH" && echo "mode=$CHECK_MODE"'], {
      env: { CHECK_MODE: 'deep' },
    });
    expect(outcome).toMatchObject({ ok: true, detail: 'exit 0: mode=deep' });
  });

  it('fails with the spawn error when the command does not exist', async () => {
    expect(await check(['/nonexistent/check-queue'])).toMatchObject({
      ok: false,
      detail: 'spawn /nonexistent/check-queue ENOENT',
    });
  });

  it('keeps a bounded amount of a flood of output without stalling the command', async () => {
    const outcome = await check(['/bin/sh', '-c', 'head -c 1000000 /dev/zero | tr "\\0" x; exit 1']);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toBe(`exit code 1: ${'x'.repeat(200)}`);
  });

  it('kills the whole process group when the command runs past the timeout', async () => {
    const pidFile = join(dir, 'hang.pids');
    const script = `echo $$ > ${pidFile}; sleep 30 & echo $! >> ${pidFile}; wait`;
    const outcome = await check(['/bin/sh', '-c', script], { timeout: 300 });
    expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300ms in run' });
    expect(outcome.latencyMs).toBeLessThan(1000);
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(2); // the shell and its background sleep
    expect(await waitUntilGone(pids)).toEqual([]);
  });

  it('kills what a command left running in the background after it exits', async () => {
    const outcome = await check(['/bin/sh', '-c', 'sleep 30 & echo $!; exit 0']);
    expect(outcome.ok).toBe(true);
    const pid = Number(/^exit 0: (\d+)$/.exec(outcome.detail)?.[1]);
    expect(pid).toBeGreaterThan(1);
    expect(await waitUntilGone([pid])).toEqual([]);
  });
});
