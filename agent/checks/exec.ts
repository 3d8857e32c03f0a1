import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { unprivileged } from '../hooks/drop-caps';
import { attempt, CheckFailed, type Attempt, type CheckContext, type CheckOutcome } from './attempt';
import type { ExecCheckSpec } from './specs';

/** Output kept per stream for the detail; the rest is read and dropped so the child never blocks on a full pipe. */
const MAX_OUTPUT_BYTES = 4096;
/** After the process exits, how long to wait for output still in the pipes (a left-over child may hold them open). */
const DRAIN_MS = 50;

/**
 * Runs `command` without a shell (argv as given), environment = the agent's plus `env`, stdin
 * closed. Healthy on exit 0. The process leads its own process group, and the whole group is
 * killed (SIGKILL) when the attempt ends: on timeout, on abort, and after a normal exit, so
 * nothing it started in the background outlives the check. It holds none of the agent's
 * capabilities (agent/hooks/drop-caps.ts); where they cannot be dropped the check fails unrun.
 */
export function execCheck(spec: ExecCheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  return attempt(spec.timeout, ctx.signal, async (a) => {
    a.phase = 'run';
    const [file, ...args] = spec.command;
    if (file === undefined) throw new CheckFailed('command is empty');
    const argv = unprivileged(file, args);
    if (!argv.ok) throw new CheckFailed(argv.error);
    const { code, signal, stdout, stderr } = await run(a, argv.file, argv.args, spec.env);
    const said = firstLine(stderr) || firstLine(stdout);
    if (code === 0) return { detail: said ? `exit 0: ${said}` : 'exit 0' };
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    throw new CheckFailed(said ? `${how}: ${said}` : `${how} (no output)`);
  });
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(a: Attempt, file: string, args: string[], env: Record<string, string> | undefined): Promise<Finished> {
  const child = spawn(file, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a timeout can kill what it spawned too
  });
  child.on('error', () => {}); // reported through the promise below; kept so a late error is never uncaught
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);
  let drainTimer: NodeJS.Timeout | undefined;
  a.defer(() => {
    clearTimeout(drainTimer);
    if (child.pid !== undefined) killGroup(child.pid);
    child.stdout.destroy();
    child.stderr.destroy();
  });

  return new Promise<Finished>((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = () => exit && resolve({ ...exit, stdout: stdout.text(), stderr: stderr.text() });
    child.once('error', (err) => reject(new CheckFailed(err.message)));
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      drainTimer = setTimeout(finish, DRAIN_MS);
    });
    child.once('close', () => {
      clearTimeout(drainTimer);
      finish();
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already, which is what we wanted.
  }
}

function capture(stream: Readable) {
  const chunks: Buffer[] = [];
  let kept = 0;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - kept));
    kept += Math.min(chunk.length, MAX_OUTPUT_BYTES - kept);
  });
  stream.on('error', () => {});
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 200);
}
