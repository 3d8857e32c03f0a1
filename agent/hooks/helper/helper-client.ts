import { connect } from 'node:net';
import type { HookOutcome } from '../exec-hook';
import { MAX_REPLY, parseReply, type HelperRequest } from './protocol';

/** Where the helper's socket unit listens (agent/systemd/ipferry-hook-helper.socket). */
export const DEFAULT_HELPER_SOCKET = '/run/ipferry/hook-helper.sock';
/** Time for the helper to kill a command at the deadline and answer, beyond the deadline itself. */
const ANSWER_GRACE_MS = 2000;

/**
 * The agent's side: asks the helper to run one allow-listed command and waits for its answer, at
 * most the hook's timeout and a grace. The answer is read as untrusted too (bounded, checked), so a
 * wrong program on the socket cannot make the agent hang or log junk.
 */
export function askHelper(socketPath: string, request: HelperRequest): Promise<HookOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: HookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const socket = connect(socketPath);
    const timer = setTimeout(
      () =>
        done({
          ok: false,
          ms: ms(),
          reason: 'timeout',
          error: `the hook helper did not answer within ${request.timeoutMs + ANSWER_GRACE_MS}ms`,
        }),
      request.timeoutMs + ANSWER_GRACE_MS,
    );
    let buffered = '';
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_REPLY + 1024)
        done({ ok: false, ms: ms(), reason: 'not-run', error: 'the hook helper answered more than a reply holds' });
    });
    socket.once('end', () => {
      const reply = parseReply(buffered.split('\n')[0] ?? '');
      if (!reply) return done({ ok: false, ms: ms(), reason: 'not-run', error: 'the hook helper gave no answer' });
      done(
        reply.ok ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, reason: reply.reason, error: reply.error },
      );
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({
        ok: false,
        ms: ms(),
        reason: 'not-run',
        error: `hook helper not reachable at ${socketPath} (${err.code ?? err.message}): is ipferry-hook-helper.socket enabled?`,
      }),
    );
  });
}
