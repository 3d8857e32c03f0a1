import { execFile } from 'node:child_process';

/**
 * The lab's own small command runner. sim/ may import only core (docs/HACKING.md), so this does not
 * reuse agent/hostnet's; the shape is the same, so a lab runner can drive a LinuxHostNet in tests.
 */
export interface LabCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type LabRunner = (
  file: string,
  args: readonly string[],
  opts?: { timeoutMs?: number; signal?: AbortSignal },
) => Promise<LabCommandResult>;

/** Resolves for any exit code; rejects (naming the command) when it cannot run or times out. */
export const runCommand: LabRunner = (file, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    execFile(
      file,
      [...args],
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        encoding: 'utf8',
        maxBuffer: 16 << 20,
        signal: opts.signal,
        env: { ...process.env, LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as { code?: unknown; signal?: string | null; message: string };
        if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
        const why = e.signal ? `killed by ${e.signal} (timeout ${timeoutMs} ms)` : e.message;
        reject(new Error(`${[file, ...args].join(' ')}: ${why}${stderr ? `: ${stderr.trim()}` : ''}`, { cause: err }));
      },
    );
  });

/** Runs a command that must succeed; the error names the command and carries its stderr. */
export async function must(run: LabRunner, file: string, args: readonly string[]): Promise<string> {
  const r = await run(file, args);
  if (r.code !== 0) {
    throw new Error(`${[file, ...args].join(' ')}: exit ${r.code}: ${(r.stderr || r.stdout).trim() || '(no output)'}`);
  }
  return r.stdout;
}

export function netnsRunner(netns: string, run: LabRunner = runCommand): LabRunner {
  return (file, args, opts) => run('ip', ['netns', 'exec', netns, file, ...args], opts);
}
