import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LabExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A long-lived program in a lab namespace. `ip netns exec` execs the program in place, so `pid` is
 * the program itself and any signal (SIGKILL, SIGSTOP, SIGCONT…) reaches it directly. Spawn one
 * program, not a wrapper that forks (npx, a shell), or signals reach only the wrapper.
 */
export interface LabProcess {
  readonly member: string;
  readonly command: string;
  readonly pid: number;
  kill(signal?: NodeJS.Signals): boolean;
  readonly exited: Promise<LabExit>;
  /** Whether it has exited. */
  readonly done: boolean;
  /** Calls `fn` for every line the program prints on stdout from now on. */
  onLine(fn: (line: string, at: number) => void): void;
  /** The last lines of stderr (for error messages). */
  stderrTail(): string;
}

const STDERR_KEEP = 50;

/** `enter`: an argv prefix that reaches the lab's namespaces first (nsenter, as an ordinary user; see userns.ts). */
export function spawnInNetns(
  member: string,
  netns: string,
  file: string,
  args: readonly string[],
  enter: readonly string[] = [],
): LabProcess {
  const command = [file, ...args].join(' ');
  // stdin stays a pipe the program can watch: our scripts exit when it closes, so they die with
  // the test process even when it is killed without running destroy().
  // nsenter execs in place as `ip netns exec` does, so the pid is still the program's.
  const argv = [...enter, 'ip', 'netns', 'exec', netns, file, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command} in ${netns}`);
  const listeners: Array<(line: string, at: number) => void> = [];
  const stderr: string[] = [];
  let done = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = Date.now();
    for (const fn of listeners) fn(line, at);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_KEEP) stderr.shift();
  });
  child.stdin.on('error', () => {}); // EPIPE once the program is gone: nothing to tell anyone
  const exited = new Promise<LabExit>((resolve) => {
    child.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
    // 'close' comes once the pipes are drained (so stderr is complete); a grandchild holding them
    // open must not keep us waiting, hence the short grace after 'exit'.
    child.once('exit', (code, signal) => {
      done = true;
      const drain = setTimeout(() => resolve({ code, signal }), 100);
      child.once('close', () => {
        clearTimeout(drain);
        resolve({ code, signal });
      });
    });
  });
  return {
    member,
    command,
    pid: child.pid,
    exited,
    get done() {
      return done;
    },
    kill: (signal = 'SIGTERM') => !done && child.kill(signal),
    onLine: (fn) => void listeners.push(fn),
    stderrTail: () => stderr.join('\n'),
  };
}

/** Waits for the first stdout line that `match` accepts; fails on exit or after `timeoutMs`. */
export function waitForLine<T>(
  proc: LabProcess,
  match: (line: string) => T | undefined,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new Error(
              `${proc.command} in ${proc.member}: no ready line within ${timeoutMs} ms; stderr: ${proc.stderrTail() || '(none)'}`,
            ),
          ),
        ),
      timeoutMs,
    );
    proc.onLine((line) => {
      const value = match(line);
      if (value !== undefined) finish(() => resolve(value));
    });
    void proc.exited.then((e) =>
      finish(() =>
        reject(
          new Error(
            `${proc.command} in ${proc.member} exited (${e.signal ?? e.code}) before it was ready; stderr: ${proc.stderrTail() || '(none)'}`,
          ),
        ),
      ),
    );
  });
}
