/** Runs `work` over `items`, at most `limit` at a time; resolves when all have ended. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

/** The classified reason of a host failure (HostNetError carries one), else `transient`. */
export function reasonOf(err: unknown): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : 'transient';
}
