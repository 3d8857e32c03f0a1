import { HeartbeatBuilder } from '../agent/heartbeat';
import { configDigest, type Config } from '../core/config';
import { hmacSigner } from '../core/heartbeat';
/**
 * The agent as the systemd unit runs it, for the agent benchmarks: the host's program
 * dist/ipferry-agent.mjs (built as `npm run build` builds it) in a child process, with the unit's
 * node flags and environment and a recording host network (nothing is plumbed). `measureAgent`
 * waits until the agent is settled, then reads its own CPU (process.cpuUsage() through /status)
 * and its largest resident size over the window.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { BUNDLES, buildBundle } from '../scripts/bundle';
import { closedPort } from '../test/helpers/closed-port';
import { startHttpServer } from '../test/helpers/http-server';
import { startMailServer } from '../test/helpers/mail-server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * From ready to the start of the window. A daemon's cost is what it spends running, not starting:
 * V8's memory reducer compacts the heap 8 s after start (three full GCs, about 30 ms of CPU, and
 * the resident set drops by 3-4 MB), so a window that starts earlier measures start-up in part.
 * The start-up peak (VmHWM) is printed with the details.
 */
const SETTLE_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What /status says, as far as the benchmarks read it. */
export interface StatusSample {
  controlPlane: { reachable: boolean };
  held: unknown[];
  process: { rssBytes: number; cpuUserMicros: number; cpuSystemMicros: number };
}

export interface AgentProgram {
  bundle: string;
  work: string;
  nodeFlags: string[];
  /** The unit's `Environment=` settings (NODE_OPTIONS among them). */
  environment: Record<string, string>;
  close(): Promise<void>;
}

export interface Measured {
  rss_mb: number;
  cpu_pct: number;
  /** For the log: the resident set's parts at the end and the window's CPU in ms. */
  detail: string;
}

export interface BenchContext {
  program: AgentProgram;
  checks: Record<string, unknown>;
  durationMs: number;
}

/**
 * The frame of an agent benchmark: reads `--duration SECONDS` and `--rates 1,5`, builds the
 * program, starts the check targets, and prints one JSON line per rate from `measure`.
 */
export async function benchEachRate(
  script: string,
  measure: (rateHz: number, ctx: BenchContext) => Promise<object | object[]>,
): Promise<void> {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '60' }, rates: { type: 'string', default: '1,5' } },
  });
  const durationMs = Number(values.duration) * 1000;
  const rates = values.rates!.split(',').map(Number);
  if (!(durationMs > 0) || rates.some((r) => !(r > 0)))
    throw new Error(`usage: ${script} [--duration SECONDS] [--rates 1,5]`);
  const program = await agentProgram();
  const targets = await checkTargets();
  try {
    for (const rate of rates) {
      const lines = await measure(rate, { program, checks: targets.checks, durationMs });
      for (const line of Array.isArray(lines) ? lines : [lines]) console.log(JSON.stringify(line));
    }
  } finally {
    await targets.close();
    await program.close();
  }
}

/** The three checks every benchmark agent runs (tcp, http, smtp), against servers on loopback. */
async function checkTargets(): Promise<{ checks: Record<string, unknown>; close(): Promise<void> }> {
  const web = await startHttpServer({ '/health': { body: 'ok' } });
  const mail = await startMailServer({ protocol: 'smtp' });
  return {
    checks: {
      tcp: { kind: 'tcp', target: `127.0.0.1:${web.port}` },
      http: { kind: 'http', target: web.url('/health') },
      smtp: { kind: 'smtp', target: mail.target },
    },
    close: async () => {
      await web.close();
      await mail.close();
    },
  };
}

/** Builds the agent's bundle into a temporary folder and reads the unit's node flags. */
export async function agentProgram(): Promise<AgentProgram> {
  const work = await mkdtemp(join(tmpdir(), 'ipferry-bench-'));
  const bundle = join(work, 'ipferry-agent.mjs');
  await buildBundle(BUNDLES.agent.entry, bundle);
  // Node runs the agent with the flags the systemd unit gives it, so the figures are the service's.
  const unit = await readFile(join(ROOT, 'agent/systemd/ipferry-agent.service'), 'utf8');
  const environment = unitEnvironment(unit);
  const nodeFlags = unitNodeFlags(unit);
  process.stderr.write(
    `agent bundle ${bundle}, node flags ${nodeFlags.join(' ') || '(none)'}, environment ${JSON.stringify(environment)} (as agent/systemd/ipferry-agent.service)\n`,
  );
  return { bundle, work, nodeFlags, environment, close: () => rm(work, { recursive: true, force: true }) };
}

/**
 * Runs the agent on `config` as node n1 until `ready` holds for its status (at most 10 s), lets it
 * run for SETTLE_MS more, then measures for `durationMs` (`windowStarts` is called as it starts).
 * Stops it with SIGTERM however this ends.
 */
export async function measureAgent(
  program: AgentProgram,
  o: {
    name: string;
    config: unknown;
    durationMs: number;
    ready: (s: StatusSample) => boolean;
    windowStarts?: () => void;
  },
): Promise<Measured> {
  const configFile = join(program.work, `${o.name}.yaml`);
  await writeFile(configFile, stringify(o.config));
  const listen = `127.0.0.1:${await closedPort()}`;
  const args = [
    ...program.nodeFlags,
    program.bundle,
    'agent',
    '--config',
    configFile,
    '--node',
    'n1',
    '--hostnet',
    'recording',
    '--metrics',
    listen,
    '--log-level',
    'warn',
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', ...program.environment },
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const status = async (): Promise<StatusSample> =>
      (await (await fetch(`http://${listen}/status`)).json()) as StatusSample;
    let s: StatusSample | undefined;
    for (let i = 0; i < 100; i++) {
      await sleep(100);
      s = await status().catch(() => undefined);
      if (s && o.ready(s)) break;
    }
    if (!s || !o.ready(s))
      throw new Error(`${o.name}: the agent did not settle within 10 s (last status: ${JSON.stringify(s)})`);
    await sleep(SETTLE_MS);
    const first = await status();
    const startedAt = performance.now();
    o.windowStarts?.();
    let rss = first.process.rssBytes;
    while (performance.now() - startedAt < o.durationMs) {
      await sleep(Math.min(1000, o.durationMs - (performance.now() - startedAt)));
      rss = Math.max(rss, await residentBytes(child.pid!));
    }
    const last = await status();
    rss = Math.max(rss, last.process.rssBytes, await residentBytes(child.pid!));
    const wallMicros = (performance.now() - startedAt) * 1000;
    const cpuMicros =
      last.process.cpuUserMicros +
      last.process.cpuSystemMicros -
      first.process.cpuUserMicros -
      first.process.cpuSystemMicros;
    const proc = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kb = (field: string) => new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(proc)?.[1] ?? '?';
    return {
      rss_mb: Math.round((rss / 1048576) * 10) / 10,
      cpu_pct: Math.round((cpuMicros / wallMicros) * 10000) / 100,
      detail: `resident ${kb('VmRSS')} kB = anonymous ${kb('RssAnon')} + file ${kb('RssFile')} + shmem ${kb('RssShmem')}; peak ${kb('VmHWM')} kB; cpu ${(cpuMicros / 1000).toFixed(0)}ms in ${(wallMicros / 1e6).toFixed(1)}s`,
    };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** The child's resident set now: /proc on Linux, else its own report. */
async function residentBytes(pid: number): Promise<number> {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return 0;
}

/** The unit's `Environment=NAME=value` lines. */
function unitEnvironment(unitText: string): Record<string, string> {
  return Object.fromEntries(
    [...unitText.matchAll(/^Environment=([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
}

/** The flags between `node` and the program in the unit's ExecStart ("/usr/bin/env node --x prog agent …"). */
function unitNodeFlags(unitText: string): string[] {
  const words = (/^ExecStart=(.*)$/m.exec(unitText)?.[1] ?? '').split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  if (node < 0) return [];
  const flags: string[] = [];
  for (const w of words.slice(node + 1)) {
    if (!w.startsWith('-')) break;
    flags.push(w);
  }
  return flags;
}

/** Heartbeat builders for the nodes a benchmark plays itself: healthy, holding nothing. */
export function playedNodes(config: Config, nodes: readonly string[], psk: string): HeartbeatBuilder[] {
  return nodes.map(
    (node) =>
      new HeartbeatBuilder({
        cluster: config.cluster,
        node,
        configDigest: configDigest(config),
        signer: hmacSigner(psk),
        now: () => Date.now(),
        sources: {
          checks: () => ({ tcp: { ok: true }, http: { ok: true }, smtp: { ok: true } }),
          held: () => [],
          applied: () => ({}),
          takeHookFailures: () => [],
        },
      }),
  );
}
