import { execFile } from 'node:child_process';

/** What a finished command left behind. A non-zero `code` is an answer, not an exception. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command (SIGKILL) after this long; default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs one program with an argv, never through a shell. Resolves for every exit code (callers
 * classify what a tool printed); rejects with a `CommandError` only when the program could not be
 * started, timed out, or was killed by a signal.
 */
export type CommandRunner = (file: string, args: readonly string[], opts?: RunOptions) => Promise<CommandResult>;

export type CommandFailure = 'spawn' | 'timeout' | 'signal' | 'exit';

/** A command that did not do its job, with the command line and what it printed. */
export class CommandError extends Error {
  constructor(
    readonly failure: CommandFailure,
    readonly command: string,
    readonly result: Partial<CommandResult> & { signal?: string | null },
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${command}: ${detail}`, options);
    this.name = 'CommandError';
  }

  get stderr(): string {
    return this.result.stderr ?? '';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** `ip -j addr` on a host with thousands of addresses runs to megabytes. */
const MAX_BUFFER = 32 * 1024 * 1024;

/** Shell-like text of a command, for messages only (it is never run through a shell). */
export function formatCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** The real runner over `child_process.execFile`. */
export const execFileRunner: CommandRunner = (file, args, opts = {}) => {
  const command = formatCommand(file, args);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_BUFFER,
        encoding: 'utf8',
        signal: opts.signal,
        env: { ...process.env, LC_ALL: 'C' }, // messages we classify must not be translated
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null };
        if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
        const result = { stdout, stderr, signal: e.signal ?? null };
        if (opts.signal?.aborted) return reject(new CommandError('signal', command, result, 'aborted', { cause: err }));
        if (e.killed && e.signal === 'SIGKILL') {
          return reject(
            new CommandError('timeout', command, result, `timed out after ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`),
          );
        }
        if (e.signal)
          return reject(new CommandError('signal', command, result, `killed by ${e.signal}`, { cause: err }));
        reject(new CommandError('spawn', command, result, `could not run: ${e.message}`, { cause: err }));
      },
    );
  });
};

/**
 * A runner whose commands run inside a named network namespace (`ip netns exec NS file args…`),
 * so the same host plumbing drives a lab host as drives the real one. `ip netns exec` execs the
 * program in place, so exit codes and signals are the program's own.
 */
export function inNetns(netns: string, run: CommandRunner = execFileRunner): CommandRunner {
  return (file, args, opts) => run('ip', ['netns', 'exec', netns, file, ...args], opts);
}

/** `ip netns exec` could not start the program (it exits 1, iproute2 6.1, and says so on stderr). */
export function isMissingProgram(result: CommandResult): boolean {
  return result.code !== 0 && /^exec of ".*" failed: No such file or directory/m.test(result.stderr);
}

/** Runs a command that must exit 0; otherwise throws a `CommandError` carrying its stderr. */
export async function runChecked(
  run: CommandRunner,
  file: string,
  args: readonly string[],
  opts?: RunOptions,
): Promise<CommandResult> {
  const result = await run(file, args, opts);
  if (result.code !== 0) {
    const said = firstLine(result.stderr) || firstLine(result.stdout) || '(no output)';
    throw new CommandError('exit', formatCommand(file, args), result, `exit code ${result.code}: ${said}`);
  }
  return result;
}

export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}
