import { execFile, type ExecFileException } from 'node:child_process';
import { unprivileged } from './drop-caps';

/** One hook run as the agent asks for it: argv (no shell), extra environment, a deadline. */
export interface HookCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  timeoutMs: number;
}

/**
 * Why a hook run failed, in a word for metrics: it ran past its deadline, exited non-zero, was
 * killed by a signal, printed too much, could not be started, or the hook helper refused it.
 */
export type HookFailureReason = 'timeout' | 'exit' | 'signal' | 'output' | 'not-run' | 'refused';

/** How a hook run ended: ok, or why not, in one line fit for a log and a heartbeat. */
export type HookOutcome =
  { ok: true; ms: number } | { ok: false; ms: number; reason: HookFailureReason; error: string };

/** Runs a hook command; a test may put a stand-in here, the daemon uses `execHook`. */
export type HookExecutor = (command: HookCommand) => Promise<HookOutcome>;

/** What a hook prints is only for our error message; more than this is cut off. */
const MAX_OUTPUT = 64 * 1024;

/**
 * execFile, never a shell: a string hook is a program path and its arguments are ours alone, so
 * an address or a VIP name can never be interpreted by a shell. On timeout the hook process is
 * SIGKILLed. Background children a hook starts on purpose (seed 000's long-running arping through
 * start-stop-daemon) are left alone: they are the hook's business. The hook holds none of the
 * agent's capabilities (drop-caps.ts); where they cannot be dropped it is not run.
 */
export const execHook: HookExecutor = (command) => {
  const started = performance.now();
  const argv = unprivileged(command.file, command.args);
  if (!argv.ok) return Promise.resolve({ ok: false, ms: 0, reason: 'not-run', error: `could not run: ${argv.error}` });
  return new Promise((resolve) => {
    const child = execFile(
      argv.file,
      argv.args,
      {
        env: { ...process.env, ...command.env },
        timeout: command.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const ms = Math.round(performance.now() - started);
        if (!err) return resolve({ ok: true, ms });
        resolve({ ok: false, ms, ...describeFailure(err, stdout, stderr, command.timeoutMs) });
      },
    );
    child.stdin?.end();
  });
};

function describeFailure(
  err: ExecFileException,
  stdout: string,
  stderr: string,
  timeoutMs: number,
): { reason: HookFailureReason; error: string } {
  const said = firstLine(stderr) || firstLine(stdout);
  const tail = said ? `: ${said}` : '';
  if (err.killed && err.signal === 'SIGKILL')
    return { reason: 'timeout', error: `timed out after ${timeoutMs}ms, killed${tail}` };
  if (typeof err.code === 'number') return { reason: 'exit', error: `exit code ${err.code}${tail}` };
  if (err.signal) return { reason: 'signal', error: `killed by ${err.signal}${tail}` };
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
    return { reason: 'output', error: `printed more than ${MAX_OUTPUT} bytes, stopped` };
  return { reason: 'not-run', error: `could not run: ${err.message}` };
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 200);
}
