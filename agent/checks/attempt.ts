/**
 * The frame every check runs in: one deadline for the whole conversation, one place that turns
 * any failure into an outcome, and cleanups that always run (sockets, child processes, timers).
 */

/** What one run of a check found. Checks never throw: a failure is `ok: false` with a reason. */
export interface CheckOutcome {
  ok: boolean;
  /** What was seen, precise enough to act on: "connect ECONNREFUSED 127.0.0.1:25". */
  detail: string;
  latencyMs: number;
  /** Healthy, but someone should look (a certificate that expires soon). */
  warning?: string;
}

export interface CheckContext {
  /** Aborting it ends the run at once (the runner stopping); the outcome then says "aborted". */
  signal?: AbortSignal;
  /** Wall-clock time for certificate dates; injectable so tests can move it. */
  now?: () => number;
}

/** A failure the conversation found itself; its message is the whole detail. */
export class CheckFailed extends Error {
  override name = 'CheckFailed';
}

/**
 * Handed to a check's body: the phase to name in a timeout, and the cleanups that end the run
 * (closing its socket or killing its process is how a check is stopped; no signal is needed).
 */
export interface Attempt {
  /** What the check is waiting for right now ("connect", "banner", "EHLO"): named when time runs out. */
  phase: string;
  /** Runs `cleanup` when the attempt ends, however it ends (at once if it has already ended). */
  defer(cleanup: () => void): void;
}

export interface Success {
  detail: string;
  warning?: string;
}

/**
 * Runs `body` with a deadline of `timeoutMs` covering all of it. The result is an outcome, never an
 * exception: the deadline or the caller's abort wins the race against the body, and the cleanups
 * it registered run either way (they close what the body was waiting on).
 */
export async function attempt(
  timeoutMs: number,
  outer: AbortSignal | undefined,
  body: (a: Attempt) => Promise<Success>,
): Promise<CheckOutcome> {
  const started = performance.now();
  const cleanups: Array<() => void> = [];
  let ended = false;
  const a: Attempt = {
    phase: 'start',
    defer(cleanup) {
      if (ended) runQuietly(cleanup);
      else cleanups.push(cleanup);
    },
  };

  let stopReason: string | undefined;
  let wakeStop: () => void = () => {};
  const stopped = new Promise<'stopped'>((resolve) => {
    wakeStop = () => resolve('stopped');
  });
  const stop = (why: string) => {
    if (stopReason !== undefined) return;
    stopReason = why;
    wakeStop();
  };
  const timer = setTimeout(() => stop(`timeout after ${timeoutMs}ms in ${a.phase}`), timeoutMs);
  const onOuterAbort = () => stop(`aborted in ${a.phase}`);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });

  try {
    const result = await Promise.race([body(a), stopped]);
    if (result === 'stopped') return failure(stopReason ?? 'aborted', started);
    if (stopReason !== undefined) return failure(stopReason, started);
    const outcome: CheckOutcome = { ok: true, detail: result.detail, latencyMs: elapsed(started) };
    if (result.warning !== undefined) outcome.warning = result.warning;
    return outcome;
  } catch (err) {
    return failure(stopReason ?? describeError(err, a.phase), started);
  } finally {
    ended = true;
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    for (const cleanup of cleanups.splice(0)) runQuietly(cleanup);
  }
}

/**
 * Node's own messages are already precise ("connect ECONNREFUSED 127.0.0.1:25"); add the phase when
 * the message does not say where it happened, and the code when the message does not carry it.
 */
export function describeError(err: unknown, phase: string): string {
  if (err instanceof CheckFailed) return err.message;
  if (!(err instanceof Error)) return `${phase}: ${String(err)}`;
  const code = (err as NodeJS.ErrnoException).code;
  // OpenSSL's messages carry its error stack ("80…:error:0A00010B:SSL routines:…"); its reason is the readable part.
  const reason = (err as { reason?: unknown }).reason;
  let text = typeof reason === 'string' && err.message.includes(':error:') ? reason : err.message || err.name;
  if (code !== undefined && !text.includes(code)) text = `${text} (${code})`;
  return text.startsWith(phase) ? text : `${phase}: ${text}`;
}

/** Quotes what a server said, cut to a length that fits a heartbeat. */
export function quote(text: string, max = 160): string {
  const flat = text.replace(/[\r\n]+/g, ' | ');
  return `'${flat.length > max ? `${flat.slice(0, max)}…` : flat}'`;
}

function failure(detail: string, started: number): CheckOutcome {
  return { ok: false, detail, latencyMs: elapsed(started) };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function runQuietly(cleanup: () => void): void {
  try {
    cleanup();
  } catch {
    // A cleanup that fails (a process already gone) has nothing left to clean.
  }
}
