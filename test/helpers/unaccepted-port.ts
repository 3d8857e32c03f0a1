import { spawn } from 'node:child_process';
import net from 'node:net';

export interface UnacceptedPort {
  /** "127.0.0.1:port": a connect to it neither succeeds nor is refused; it just waits. */
  target: string;
  close(): Promise<void>;
}

/**
 * A loopback port where TCP connect hangs, for connect-timeout tests without leaving loopback.
 * A child process listens with a backlog of 1 and then blocks its event loop, so it never accepts;
 * once the kernel's accept queue is full, further SYNs are dropped and a client's connect waits.
 */
export async function openUnacceptedPort(): Promise<UnacceptedPort> {
  const script = `const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
    process.stdout.write(s.address().port + '\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
  });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`listener exited early with ${code}`)));
  });
  const fillers: net.Socket[] = [];
  // Fill the accept queue: stop at the first connect that does not complete within 200 ms.
  for (let i = 0; i < 16; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 200);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    target: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of fillers) s.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
