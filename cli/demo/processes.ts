import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** A port the OS just handed out on 127.0.0.1 (closed again, so a child can take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export { selfCommand } from '../../agent/self-command';

export interface ChildAgent {
  node: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `ipferry agent` for one node, its output going to a log file. */
export function spawnAgent(opts: {
  self: string[];
  node: string;
  configFile: string;
  keyFile: string;
  metricsPort: number;
  logFile: string;
}): ChildAgent {
  const [cmd, ...pre] = opts.self;
  const args = [
    ...pre,
    'agent',
    '--config',
    opts.configFile,
    '--node',
    opts.node,
    '--key',
    opts.keyFile,
    '--hostnet',
    'recording',
    '--identity',
    'config',
    '--metrics',
    `127.0.0.1:${opts.metricsPort}`,
    '--log-level',
    'info',
  ];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(opts.logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { node: opts.node, child, exited };
}
