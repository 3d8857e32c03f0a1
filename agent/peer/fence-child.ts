import { createInterface } from 'node:readline';
import type { HostAddress, HostNet } from '../../core/ports';

/** The fence's first line on stderr: it is reading its pipe (the agent binds nothing before). */
export const FENCE_READY = 'fence ready';

export interface FenceChildOptions {
  leaseMs: number;
  hostNet: HostNet;
  input: NodeJS.ReadableStream;
  /** Where the fence says what it did (stderr: the agent logs it). */
  say: (line: string) => void;
  now?: () => number;
}

/**
 * The fence's side (see fence.ts): reads the agent's lines — `{"bound":[…],"at":ms}`,
 * `{"ping":ms}`, `{"exit":true}` — and removes every bound address when the agent has written
 * nothing for longer than the lease (by the times it wrote them: same host, same clock) or its end
 * of the pipe closes without an exit. Resolves when the agent is gone.
 */
export function runFence(opts: FenceChildOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  let bound: HostAddress[] = [];
  // Until the first line, the silence counts from the fence's own start.
  let lastPing: number | undefined;
  const startedAt = now();
  const silence = () => now() - (lastPing ?? startedAt);
  let fenced = false;
  let leavingCleanly = false;

  // `bound` is kept after a release: the agent sends the list only when it changes, so after a
  // stall it may bind the same addresses again and only ping; a fence that had forgotten them would
  // then leave them behind when the agent dies.
  const release = async (why: string) => {
    fenced = true;
    if (bound.length === 0) return;
    const list = bound;
    opts.say(`${why}: removing ${list.map((a) => `${a.address}/${a.prefixLength} on ${a.interface}`).join(', ')}`);
    await Promise.all(
      list.map((a) =>
        opts.hostNet
          .unbind(a)
          .catch((err: unknown) => opts.say(`cannot remove ${a.address}: ${(err as Error).message}`)),
      ),
    );
  };

  const watch = setInterval(
    () => {
      if (!fenced && silence() > opts.leaseMs)
        void release(`no word from the agent for ${silence()} ms (lease ${opts.leaseMs} ms)`);
    },
    Math.max(10, Math.floor(opts.leaseMs / 5)),
  );

  return new Promise((resolve) => {
    const lines = createInterface({ input: opts.input });
    opts.say(`${FENCE_READY} (lease ${opts.leaseMs} ms)`);
    lines.on('line', (line) => {
      let msg: { bound?: HostAddress[]; ping?: boolean | number; at?: number; exit?: boolean };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        opts.say(`ignored a line that is not JSON: ${line.slice(0, 80)}`);
        return;
      }
      // When the agent wrote it (older agents sent `"ping":true`: then when it was read).
      const written = typeof msg.ping === 'number' ? msg.ping : typeof msg.at === 'number' ? msg.at : now();
      if (lastPing === undefined || written > lastPing) {
        lastPing = written;
        fenced = false;
      }
      if (msg.bound) bound = msg.bound;
      if (msg.exit) leavingCleanly = true;
    });
    lines.on('close', () => {
      clearInterval(watch);
      void (leavingCleanly ? Promise.resolve() : release('the agent is gone')).then(() => resolve());
    });
  });
}
