import { readFile } from 'node:fs/promises';
import { parse, usageError } from './command';
import { termSafe as t } from './terminal-text';

export const RELOAD_USAGE = `usage: ipferry agent reload [--metrics HOST:PORT] [--pid PID] [--timeout SECONDS]

Asks the running agent to reload its config file (SIGHUP) and waits for the outcome, which it
prints; exits 1 when the agent refused the file (it then keeps running on the config it has) or
did not answer. The agent is found through its /status on --metrics; systemd's ExecReload= passes
--pid $MAINPID, and the agent's own word about its pid must match it.

  --metrics HOST:PORT  the agent's /metrics and /status (default 127.0.0.1:9477)
  --pid PID            the agent's process id, when the caller knows it (systemd's $MAINPID)
  --timeout SECONDS    how long to wait for the outcome (default 60: new checks may run first)`;

interface ReloadView {
  pid?: unknown;
  last?: { seq?: unknown; ok?: unknown; message?: unknown } | null;
}

/** `ipferry agent reload`: SIGHUP to the agent, then its /status until the reload after the last one seen. */
export async function agentReload(argv: string[], defaultListen: string): Promise<number> {
  const args = parse(argv, {
    usage: RELOAD_USAGE,
    options: { metrics: { type: 'string' }, pid: { type: 'string' }, timeout: { type: 'string' } },
  });
  if (typeof args === 'number') return args;
  const v = args.values;
  const timeoutMs = Number(v.timeout ?? 60) * 1000;
  if (!(timeoutMs > 0)) return usageError(RELOAD_USAGE, `--timeout must be a positive number of seconds`);
  if (v.pid !== undefined && !/^[1-9]\d{0,9}$/.test(v.pid))
    return usageError(RELOAD_USAGE, `--pid must be a process id, not "${t(v.pid)}"`);
  const { parseListen } = await import('../agent/ops/ops-server');
  const { host, port } = parseListen(v.metrics ?? defaultListen);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/status`;
  const fail = (why: string) => (console.error(`ipferry agent reload: ${why}`), 1);
  let before: ReloadView;
  try {
    before = await reloadStatus(url);
  } catch (err) {
    return fail(`no agent answered on ${url} (${t((err as Error).message)}); is it running, with --metrics?`);
  }
  // The pid comes over a socket anyone on the host could listen on: it must be an agent's.
  const pid = typeof before.pid === 'number' && Number.isSafeInteger(before.pid) && before.pid > 0 ? before.pid : 0;
  if (!pid) return fail(`the agent on ${url} does not say its pid (an agent too old to reload?)`);
  if (v.pid !== undefined && Number(v.pid) !== pid)
    return fail(`the agent on ${url} says it is pid ${pid}, not ${t(v.pid)}: not signalling either`);
  if (v.pid === undefined && !(await looksLikeAnAgent(pid)))
    return fail(`pid ${pid}, named by ${url}, is not an ipferry agent: not signalling it`);
  const seen = typeof before.last?.seq === 'number' ? before.last.seq : 0;
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    return fail(
      `cannot signal pid ${pid} (${t((err as NodeJS.ErrnoException).code)}): run as the agent's user or root`,
    );
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await reloadStatus(url).catch(() => undefined);
    const last = now?.last;
    if (!last || typeof last.seq !== 'number' || last.seq <= seen) continue;
    if (last.ok === true) {
      console.log(t(last.message));
      return 0;
    }
    return fail(t(last.message));
  }
  return fail(`pid ${pid} was signalled but said nothing of a reload within ${timeoutMs / 1000} s (see its log)`);
}

async function reloadStatus(url: string): Promise<ReloadView> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { reload?: ReloadView } | null;
  if (!body || typeof body.reload !== 'object' || body.reload === null) throw new Error('no reload section in /status');
  return body.reload;
}

/** An `ipferry agent` process: its command line has the `agent` command and a `--config`. */
async function looksLikeAnAgent(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const words = cmdline.split('\0');
  return words.includes('agent') && words.includes('--config');
}
