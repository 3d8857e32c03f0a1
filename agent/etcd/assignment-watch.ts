import type { Logger } from 'pino';
import type { Assignment } from '../../core/decide';
import type { AssignmentWatch } from './ports';

/**
 * The group's assignments as a watch shows them: read once, then read again whenever the watch
 * reports a change under the assignments' keys (or came back after a disconnection). A read that
 * fails keeps the last state and is retried on the next change or `retryMs` later; a read never
 * goes back to an older version than one already seen (two reads may finish out of order).
 */
export function assignmentWatch(o: {
  read: () => Promise<{ version: number; assignments: Assignment[] }>;
  /** Starts the watch; `changed` on every change. */
  watch: (changed: () => void) => Promise<{ stop(): Promise<void> }>;
  logger: Logger;
  retryMs?: number;
}): AssignmentWatch & { started: Promise<void> } {
  let state: { version: number; assignments: readonly Assignment[] } | undefined;
  const listeners: Array<() => void> = [];
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let again = false;

  const readNow = (): void => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = (async () => {
      do {
        again = false;
        try {
          const next = await o.read();
          if (!state || next.version >= state.version) {
            const changed = !state || next.version !== state.version;
            state = next;
            if (changed) for (const l of listeners) l();
          }
        } catch (err) {
          o.logger.warn({ err: (err as Error).message }, `cannot read the assignments: ${(err as Error).message}`);
          clearTimeout(retry);
          retry = setTimeout(readNow, o.retryMs ?? 500);
        }
      } while (again && !closed);
    })().finally(() => (reading = undefined));
  };

  const watching = o.watch(readNow);
  const started = watching.then(() => readNow());
  return {
    started,
    current: () => state,
    onChange: (l) => void listeners.push(l),
    async close() {
      closed = true;
      clearTimeout(retry);
      await (await watching.catch(() => undefined))?.stop();
    },
  };
}
