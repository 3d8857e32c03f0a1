import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { StatusReport } from '../../control/status';
import { ConfigError } from '../../core/config';
import type { ControlEvent } from '../../core/ports';
import { parse, usageError, type Command } from '../command';
import { printConfigError, readConfigFile } from '../config-file';
import { termSafe, termSafeLines } from '../terminal-text';
import { startSession, type UpSession } from '../up/session';

const USAGE = `usage: ipferry up --config FILE [--checks stand-in|as-is]

Runs the cluster FILE describes on this machine, until Ctrl-C: the emulators its providers need,
a local control plane, and one agent per node with recorded host plumbing (no root, no cloud).
Keys are made for the session in a private temporary folder, removed when it ends. It prints each
node's pid (kill it to see a failover) and how to watch with ipferry status and ipferry events.

  --config FILE    the cluster config (any mode: local, aws, peer)
  --checks MODE    stand-in (default): the checks become a command that passes, since on one
                   machine they would probe the same ports for every node; as-is: keep them`;

/** How long the nodes get to be seen alive before up says which are not (it keeps running). */
const SETTLE_MS = 60_000;
const POLL_MS = 500;

export const up: Command = {
  async run(argv) {
    const args = parse(argv, {
      usage: USAGE,
      options: { config: { type: 'string' }, checks: { type: 'string' } },
      positionals: { max: 0 },
    });
    if (typeof args === 'number') return args;
    const file = args.values.config;
    if (!file) return usageError(USAGE, '--config FILE is required');
    const checks = args.values.checks ?? 'stand-in';
    if (checks !== 'stand-in' && checks !== 'as-is')
      return usageError(USAGE, `--checks must be stand-in or as-is, not "${checks}"`);
    let config;
    try {
      config = await readConfigFile(file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      printConfigError(file, err);
      return 1;
    }
    const raw = parseYaml(await readFile(file, 'utf8')) as Record<string, unknown>;
    return runUp(await startSession(raw, config, { keepChecks: checks === 'as-is' }));
  },
};

/** Prints the session, follows it until a signal or a reader gone away, then ends it cleanly. */
async function runUp(s: UpSession): Promise<number> {
  let readerGone = false;
  // A reader of our output that went away (EPIPE) ends the session like Ctrl-C does.
  const onStdoutError = () => {
    readerGone = true;
    wake();
  };
  process.stdout.on('error', onStdoutError);
  const say = (line: string) => {
    if (!readerGone) process.stdout.write(`${line}\n`);
  };
  let signalled: NodeJS.Signals | undefined;
  let wake = () => undefined as void;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C: no more waiting for the agents to leave.
      s.stopNow();
      process.exit(130);
    }
    signalled = signal;
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    printSession(s, say);
    const started = Date.now();
    const seen = new Set<string>();
    const exited = new Set<string>();
    let settled = false;
    while (!signalled && !readerGone) {
      for (const a of s.agents) {
        if (exited.has(a.node) || (a.child.exitCode === null && a.child.signalCode === null)) continue;
        exited.add(a.node);
        const how = a.child.signalCode ?? `exit code ${a.child.exitCode}`;
        say(
          `${stamp(started)}  ${termSafe(a.node)} (pid ${a.pid}) ended: ${how}${a.child.exitCode ? ` — ${await lastLine(a.logFile)}` : ''}`,
        );
      }
      const status = await api<StatusReport>(s.controlUrl, '/v1/status').catch(() => undefined);
      if (status && !settled && (status.nodes.every((n) => n.state === 'alive') || Date.now() - started > SETTLE_MS)) {
        settled = true;
        const notAlive = status.nodes.filter((n) => n.state !== 'alive').map((n) => `${n.id} ${n.state}`);
        say(
          `${stamp(started)}  ${notAlive.length === 0 ? 'every node is up' : `not up after ${SETTLE_MS / 1000} s: ${notAlive.join(', ')}`}; VIPs: ${status.vips.map((v) => `${v.vip} on ${v.node ?? 'nobody'}`).join(', ')}`,
        );
      }
      const events = await api<{ events: ControlEvent[] }>(s.controlUrl, '/v1/events?limit=100').catch(() => undefined);
      for (const e of [...(events?.events ?? [])].reverse()) {
        if (seen.has(e.id) || e.kind !== 'move') continue;
        seen.add(e.id);
        say(
          `${stamp(started)}  ${termSafe(e.vip ?? '?')}: ${termSafe(e.from ?? '—')} → ${termSafe(e.to ?? '—')}  ${e.reason ?? ''}  ${termSafe(e.detail, 200)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    say(`\nstopping: the agents leave, then the control plane and emulators; removing ${s.dir}`);
    return 0;
  } finally {
    await s.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
}

function printSession(s: UpSession, say: (line: string) => void): void {
  const c = s.config;
  say(
    `ipferry up: cluster ${termSafe(c.cluster)}, ${c.nodes.length} node${c.nodes.length === 1 ? '' : 's'}, ${c.vips.length} VIP${c.vips.length === 1 ? '' : 's'}, all on this machine`,
  );
  for (const n of s.notes) say(`  note: ${n}`);
  say(`\n  control plane  ${s.controlUrl}`);
  for (const e of s.emulators) say(`  emulator       ${e.kind.padEnd(8)} ${e.url}`);
  say(`  session files  ${s.dir}  (config, keys, logs; removed when up ends)\n`);
  const width = Math.max(4, ...s.agents.map((a) => a.node.length));
  say(`  ${'node'.padEnd(width)}  pid      metrics and status`);
  for (const a of s.agents)
    say(`  ${termSafe(a.node).padEnd(width)}  ${String(a.pid).padEnd(7)}  http://${a.metrics}/status`);
  const first = s.agents[0];
  say(`\nwatch it:     ipferry status --url ${s.controlUrl}     ipferry events --url ${s.controlUrl}`);
  say(`              (or --config ${s.configFile})`);
  if (first)
    say(
      `kill a node:  kill -9 ${first.pid}   (a crash: ${first.node}'s VIPs move after deadAfter)    kill ${first.pid}   (a graceful leave: at once)`,
    );
  say('stop:         Ctrl-C (the agents leave, everything stops, the session files are removed)\n');
}

async function api<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The agent's last log line, for why it ended (its logs are pino JSON: the message, if any). */
async function lastLine(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const line = text.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as { msg?: unknown };
    return termSafeLines(String(parsed.msg ?? line), 300);
  } catch {
    return termSafeLines(line, 300);
  }
}

function stamp(started: number): string {
  return `t+${((Date.now() - started) / 1000).toFixed(1)}s`.padEnd(8);
}
