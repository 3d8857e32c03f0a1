import { spawn } from 'node:child_process';
import { escapeControls } from '../../../lib/safe-text';
import type { HelperReply } from './protocol';

/** What the helper keeps of a command's output (stdout and stderr together), and reports escaped. */
const MAX_OUTPUT = 8 * 1024;
const MAX_REPORTED = 2000;
/** The command's only environment: no variable of the agent's or of the helper's own reaches it. */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs one allowed argv as the helper (root): no shell, a fixed environment, in a process group of
 * its own so a timeout kills the command and everything it started (SIGKILL to the group), output
 * kept up to MAX_OUTPUT and escaped before it leaves (a log line, the agent, a terminal).
 */
export function runCommand(argv: string[], env: Record<string, string>, timeoutMs: number): Promise<HelperReply> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH, LANG: 'C.UTF-8', ...env },
    });
    let output = '';
    let dropped = 0;
    const keep = (chunk: Buffer) => {
      const room = MAX_OUTPUT - output.length;
      if (room > 0) output += chunk.toString('utf8', 0, Math.min(room, chunk.length));
      dropped += Math.max(0, chunk.length - Math.max(0, room));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const said = () => escapeControls(output + (dropped > 0 ? `[${dropped} more bytes not kept]` : ''), MAX_REPORTED);
    child.once('error', (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ok: false, ms: ms(), reason: 'not-run', error: `could not run ${argv[0]}: ${err.message}` });
    });
    // A command may leave a daemon behind holding its stdout (systemctl does not; a script's `&`
    // may): the answer goes 200 ms after it exits, with whatever was said by then.
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(outcome(code, signal));
    };
    child.once('exit', (code, signal) => setTimeout(() => finish(code, signal), 200).unref());
    child.once('close', finish);
    const outcome = (code: number | null, signal: NodeJS.Signals | null): HelperReply => {
      const firstLine = escapeControls((output.split('\n').find((l) => l.trim() !== '') ?? '').trim(), 200);
      const tail = firstLine ? `: ${firstLine}` : '';
      if (timedOut)
        return {
          ok: false,
          ms: ms(),
          reason: 'timeout',
          error: `timed out after ${timeoutMs}ms, killed${tail}`,
          output: said(),
        };
      if (code === 0) return { ok: true, ms: ms(), output: said() };
      if (code !== null)
        return { ok: false, ms: ms(), reason: 'exit', error: `exit code ${code}${tail}`, output: said() };
      return { ok: false, ms: ms(), reason: 'signal', error: `killed by ${signal}${tail}`, output: said() };
    };
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already: nothing left to stop
  }
}
