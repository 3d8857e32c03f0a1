/** A metadata service answered with an error or not at all; `status` when it answered. */
export class MetadataError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MetadataError';
  }
}

export type FetchLike = typeof fetch;

/**
 * One request to a link-local metadata service, bounded in time. The services answer in
 * milliseconds on the host they describe; anything slower means we are not on that cloud.
 */
export async function metadataRequest(
  fetchImpl: FetchLike,
  url: string,
  init: { method?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${init.timeoutMs}ms` : (e.cause?.code ?? e.message);
    throw new MetadataError(`${init.method ?? 'GET'} ${url}: ${why}`);
  }
  return { status: res.status, text: await res.text() };
}
