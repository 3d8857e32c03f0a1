import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './synth';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository, bounded in time; never through a shell. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no exit after ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name);

/** Lines a person reads: without npm's own configuration warnings. */
export const lines = (text: string): string[] =>
  text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm warn'));
