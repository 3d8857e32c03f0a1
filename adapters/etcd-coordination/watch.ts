import type { Etcd3, Watcher } from 'etcd3';

export interface PrefixChange {
  kind: 'put' | 'delete' | 'reconnected';
  /** The key that changed (for `reconnected`, the prefix). */
  key: string;
}

/**
 * Calls `changed` for every put and delete under `prefix`, and once with `reconnected` after the
 * watch stream came back from a disconnection (the library resumes from the last revision it saw,
 * but a caller that keeps a copy should read again). Resolves once the watch is established.
 */
export async function watchPrefix(
  client: Etcd3,
  prefix: string,
  changed: (c: PrefixChange) => void,
  onTrouble: (message: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const watcher: Watcher = await client.watch().prefix(prefix).create();
  let wasDown = false;
  watcher.on('put', (kv) => changed({ kind: 'put', key: kv.key.toString('utf8') }));
  watcher.on('delete', (kv) => changed({ kind: 'delete', key: kv.key.toString('utf8') }));
  watcher.on('disconnected', (err) => {
    wasDown = true;
    onTrouble(`watch on ${prefix} disconnected: ${err.message}`);
  });
  watcher.on('connected', () => {
    if (!wasDown) return;
    wasDown = false;
    changed({ kind: 'reconnected', key: prefix });
  });
  watcher.on('error', (err) => onTrouble(`watch on ${prefix} failed: ${err.message}`));
  return { stop: () => watcher.cancel() };
}
