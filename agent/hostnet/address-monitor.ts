import { spawn } from 'node:child_process';
import type { AddressEvents } from '../../core/ports';

/**
 * `ip monitor address` as a stream of hints: each line it prints means an address appeared or
 * left somewhere on the host, and the reconciler lists again. Nothing is parsed: the listing is
 * the truth, this only says when to look. One long-lived process instead of an `ip` run every
 * second (each costs about 3 ms of the agent's CPU to fork and wait, and 1.5 ms of its own).
 * `args` lets a test watch a lab namespace (`-n ns monitor address`).
 */
export function monitorAddresses(
  events: AddressEvents,
  args: readonly string[] = ['monitor', 'address'],
): { stop(): void } {
  let over = false;
  let stderr = '';
  const end = (reason: string) => {
    if (over) return;
    over = true;
    events.lost(reason);
  };
  const child = spawn('ip', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', () => {
    if (!over) events.changed();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-300);
  });
  child.on('error', (err) => end(`cannot run ip ${args.join(' ')}: ${err.message}`));
  child.on('exit', (code, signal) =>
    end(`ip ${args.join(' ')} exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim()}` : ''}`),
  );
  return {
    stop() {
      over = true;
      child.kill();
    },
  };
}
