import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { HostAddress } from '../../core/ports';
import { FENCE_READY } from './fence-child';

/**
 * The agent's dead-man's switch in peer mode: a small child process (`ipferry fence`) that holds
 * the list of addresses this host has bound (or is about to) and removes them when the agent can
 * no longer speak for them — at once when the agent dies (SIGKILL, a crash: the fence's stdin
 * closes), and when it stops pinging for longer than the quorum lease (SIGSTOP, a hung event loop).
 * Peers claim after deadAfter, which is later, so a frozen or killed agent's host never answers
 * alongside the new owner. A graceful stop tells the fence to exit without touching anything.
 */
export class Fence {
  /** Resolves once the fence reads its pipe; rejects if it exits first or does not start in time. */
  readonly ready: Promise<void>;
  private lastState = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly logger: Logger,
    startTimeoutMs: number,
  ) {
    let isReady = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the fence did not start within ${startTimeoutMs} ms`)),
        startTimeoutMs,
      );
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the fence exited (${signal ?? code}) before it was ready`));
      });
      if (!child.stderr) return;
      // Everything the fence says goes to the log; its first line says it is reading its pipe.
      createInterface({ input: child.stderr }).on('line', (line) => {
        if (!isReady && line.startsWith(FENCE_READY)) {
          isReady = true;
          clearTimeout(timer);
          logger.info(line);
          resolve();
        } else logger.warn({ fence: line }, `fence: ${line}`);
      });
    });
    this.ready.catch(() => undefined); // awaited by the caller; never an unhandled rejection here
    child.once('exit', (code, signal) => {
      this.exited = true;
      logger.info({ code, signal }, 'fence exited');
    });
    child.stdin?.on('error', () => undefined);
  }

  /** `self` runs ipferry (the bundle, or cli/main.ts with its loader flags). */
  static start(opts: { self: string[]; leaseMs: number; logger: Logger; startTimeoutMs?: number }): Fence {
    const [cmd, ...pre] = opts.self;
    const child = spawn(cmd!, [...pre, 'fence', '--lease', String(opts.leaseMs)], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    return new Fence(child, opts.logger, opts.startTimeoutMs ?? 30_000);
  }

  /**
   * The addresses this host may carry; sent at once when they change, and as a ping every call.
   * Each line carries the agent's clock: the fence measures the agent's silence by when lines were
   * written, not read, so a fence that reads late (it started slowly, or it was starved) still
   * sees a frozen agent for what it is.
   */
  update(bound: readonly HostAddress[], now = Date.now()): void {
    if (this.exited) return;
    const state = JSON.stringify(bound);
    const line = state === this.lastState ? `{"ping":${now}}\n` : `{"bound":${state},"at":${now}}\n`;
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
