/** Polls `probe` until it returns a value (not undefined/false) or `timeoutMs` passes; bounded in count too. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; stepMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const stepMs = opts.stepMs ?? 10;
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / stepMs) + 10; i++) {
    const v = await probe();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${opts.what ?? 'a condition'}`);
}
