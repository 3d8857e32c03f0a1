import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  /** Every JSON log line so far (pino), parsed. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the first log line matching, or rejects after `timeoutMs` with what was seen. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name), rejecting after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** `ipferry <args>` as a child process, run from the sources with tsx (no build needed). */
export function spawnIpferry(args: string[], env: Record<string, string> = {}): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ text: line });
      }
    }
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    logs,
    stderr: () => stderr,
    waitForLog: (match, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `log line not seen within ${timeoutMs}ms; saw:\n${logs.map((l) => String(l.msg ?? l.text)).join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    exited: (timeoutMs = 20_000) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`did not exit within ${timeoutMs}ms; stderr:\n${stderr}`)),
            timeoutMs,
          ).unref(),
        ),
      ]),
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
  };
}
