import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { HostAddress } from '../../core/ports';

/**
 * The agent's dead-man's switch in peer mode: a small child process (`ipferry fence`) that holds
 * the list of addresses this host has bound and removes them when the agent can no longer speak
 * for them — at once when the agent dies (SIGKILL, a crash: the fence's stdin closes), and when
 * it stops pinging for longer than the quorum lease (SIGSTOP, a hung event loop). Peers claim
 * after deadAfter, which is later, so a frozen or killed agent's host never answers alongside the
 * new owner. A graceful stop tells the fence to exit without touching anything.
 */
export class Fence {
  private lastState = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly logger: Logger,
  ) {
    child.stderr?.on('data', (d: Buffer) => logger.warn({ fence: d.toString().trim() }, 'fence'));
    child.once('exit', (code, signal) => {
      this.exited = true;
      logger.info({ code, signal }, 'fence exited');
    });
    child.stdin?.on('error', () => undefined);
  }

  /** `self` runs ipferry (the bundle, or cli/main.ts with its loader flags). */
  static start(opts: { self: string[]; leaseMs: number; logger: Logger }): Fence {
    const [cmd, ...pre] = opts.self;
    const child = spawn(cmd!, [...pre, 'fence', '--lease', String(opts.leaseMs)], { stdio: ['pipe', 'ignore', 'pipe'] });
    return new Fence(child, opts.logger);
  }

  /** The addresses bound now; sent at once when they change, and as a ping every call. */
  update(bound: readonly HostAddress[]): void {
    if (this.exited) return;
    const state = JSON.stringify(bound);
    const line = state === this.lastState ? '{"ping":true}\n' : `{"bound":${state}}\n`;
    this.lastState = state;
    this.child.stdin?.write(line);
  }

  /** Graceful: the agent has released its addresses itself; the fence leaves them alone. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end('{"exit":true}\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await done;
    clearTimeout(timer);
  }
}
