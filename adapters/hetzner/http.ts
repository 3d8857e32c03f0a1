import type { z } from 'zod';
import type { Clock } from '../../core/clock';
import { ProviderError } from '../../core/reasons';

/**
 * One HTTP exchange with a deadline, shared by the Hetzner Cloud and Robot clients. Everything that
 * can go wrong below HTTP (refused connection, reset, timeout, caller abort) becomes a
 * ProviderError with reason `transient`, so no raw fetch error escapes a client.
 */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface ExchangeOptions {
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal;
  /** "GET /floating_ips/7", for messages. */
  what: string;
}

class Timeout extends Error {}

export async function exchange(url: string, init: RequestInit, opts: ExchangeOptions): Promise<RawAnswer> {
  if (opts.signal?.aborted) throw aborted(opts.what, opts.signal.reason);
  const request = new AbortController();
  const timer = new AbortController();
  const onCallerAbort = () => request.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  // The timeout runs on the injected clock, so tests decide when a request has taken too long.
  opts.clock.sleep(opts.timeoutMs, timer.signal).then(
    () => request.abort(new Timeout()),
    () => undefined,
  );
  try {
    const res = await opts.fetch(url, { ...init, signal: request.signal });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    const reason: unknown = request.signal.aborted ? request.signal.reason : undefined;
    if (reason instanceof Timeout) {
      throw new ProviderError('transient', `${opts.what} timed out after ${opts.timeoutMs} ms`, {
        code: 'timeout',
        cause: err,
      });
    }
    if (opts.signal?.aborted) throw aborted(opts.what, opts.signal.reason);
    const detail =
      err instanceof Error
        ? err.cause instanceof Error
          ? `${err.message}: ${err.cause.message}`
          : err.message
        : String(err);
    throw new ProviderError('transient', `${opts.what} failed before an answer: ${detail}`, {
      code: 'network',
      cause: err,
    });
  } finally {
    timer.abort();
    opts.signal?.removeEventListener('abort', onCallerAbort);
  }
}

function aborted(what: string, cause: unknown): ProviderError {
  return new ProviderError('transient', `${what} aborted by the caller`, { code: 'aborted', cause });
}

/** JSON.parse that names the call when the body is not JSON (a proxy page, a cut-off answer). */
export function parseJsonBody(answer: RawAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch (err) {
    const head = answer.text.slice(0, 80).replace(/\s+/g, ' ');
    throw new ProviderError('transient', `${what} answered ${answer.status} with a body that is not JSON: "${head}"`, {
      status: answer.status,
      code: 'malformed_answer',
      cause: err,
    });
  }
}

/** Validates an answer; a mismatch is `invalid` with the first problems spelled out. */
export function validateBody<T>(schema: z.ZodType<T>, value: unknown, what: string, status: number): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  throw new ProviderError('invalid', `${what} answered ${status} with an unexpected shape: ${problems}`, {
    status,
    code: 'unexpected_answer',
  });
}
