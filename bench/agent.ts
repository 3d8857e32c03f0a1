/**
 * npm run bench:agent — what one agent costs on its host. The agent runs as the unit runs it: the
 * host's program dist/ipferry-agent.mjs (built as `npm run build` builds it), in a child process
 * with the systemd unit's node flags and NODE_OPTIONS (recording host network: nothing is plumbed), with three
 * checks (tcp, http, smtp) against local servers and heartbeats to a local receiver that verifies
 * every one with core's verifier and assigns it a VIP. One run per heartbeat rate; each prints
 * one JSON line on stdout: {"rate_hz","rss_mb","cpu_pct"}. cpu_pct is the child's own
 * process.cpuUsage() (read from its /status) over the measured window, as % of one core; rss_mb
 * is the largest resident size sampled during that window. Details go to stderr.
 *
 *   tsx bench/agent.ts [--duration 60] [--rates 1,5]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../core/config';
import { BUNDLES, buildBundle } from '../scripts/bundle';
import { closedPort } from '../test/helpers/closed-port';
import { startHeartbeatReceiver } from '../test/helpers/heartbeat-receiver';
import { startHttpServer } from '../test/helpers/http-server';
import { startMailServer } from '../test/helpers/mail-server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PSK = 'bench-psk-0123456789abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StatusSample {
  controlPlane: { reachable: boolean };
  held: unknown[];
  process: { rssBytes: number; cpuUserMicros: number; cpuSystemMicros: number };
}

const { values } = parseArgs({ options: { duration: { type: 'string', default: '60' }, rates: { type: 'string', default: '1,5' } } });
const durationMs = Number(values.duration) * 1000;
const rates = values.rates!.split(',').map(Number);
if (!(durationMs > 0) || rates.some((r) => !(r > 0))) throw new Error('usage: bench/agent.ts [--duration SECONDS] [--rates 1,5]');

const work = await mkdtemp(join(tmpdir(), 'ipferry-bench-'));
const bundle = join(work, 'ipferry-agent.mjs');
await buildBundle(BUNDLES.agent.entry, bundle);

// Node runs the agent with the flags the systemd unit gives it, so the figures are the service's.
const unit = await readFile(join(ROOT, 'agent/systemd/ipferry-agent.service'), 'utf8');
const nodeOptions = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1] ?? '';
const nodeFlags = unitNodeFlags(unit);
process.stderr.write(`agent bundle ${bundle}, node flags ${nodeFlags.join(' ') || '(none)'}, NODE_OPTIONS=${nodeOptions || '(none)'} (as agent/systemd/ipferry-agent.service)\n`);

const web = await startHttpServer({ '/health': { body: 'ok' } });
const mail = await startMailServer({ protocol: 'smtp' });
try {
  for (const rate of rates) console.log(JSON.stringify(await measure(rate)));
} finally {
  await web.close();
  await mail.close();
  await rm(work, { recursive: true, force: true });
}

async function measure(rateHz: number): Promise<{ rate_hz: number; rss_mb: number; cpu_pct: number }> {
  const doc = (url: string) => ({
    cluster: 'bench',
    control: { mode: 'local', url },
    security: { psk: PSK },
    timers: { heartbeatInterval: Math.round(1000 / rateHz) },
    nodes: [
      { id: 'n1', interface: 'eth0', addresses: ['198.18.0.11'] },
      { id: 'n2', interface: 'eth0', addresses: ['198.18.0.12'] },
    ],
    checks: {
      tcp: { kind: 'tcp', target: `127.0.0.1:${web.port}` },
      http: { kind: 'http', target: web.url('/health') },
      smtp: { kind: 'smtp', target: mail.target },
    },
    vips: [{ name: 'smtp', address: '198.18.0.74/24', checks: ['smtp'] }],
  });
  const receiver = await startHeartbeatReceiver(loadConfig(doc('http://127.0.0.1:1')));
  receiver.assign('n1', [{ vip: 'smtp', epoch: 1 }]);
  const configFile = join(work, `bench-${rateHz}.yaml`);
  await writeFile(configFile, stringify(doc(receiver.url)));
  const listen = `127.0.0.1:${await closedPort()}`;
  const child = spawn(process.execPath, [...nodeFlags, bundle, 'agent', '--config', configFile, '--node', 'n1', '--hostnet', 'recording', '--metrics', listen, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const status = async (): Promise<StatusSample> => (await (await fetch(`http://${listen}/status`)).json()) as StatusSample;
    // Warm up: started, heartbeating, holding its VIP, every check run at least once.
    let s: StatusSample | undefined;
    for (let i = 0; i < 100; i++) {
      await sleep(100);
      s = await status().catch(() => undefined);
      if (s?.controlPlane.reachable && s.held.length === 1) break;
    }
    if (!s?.controlPlane.reachable) throw new Error(`agent did not reach the receiver (refused: ${receiver.refused.join(', ') || 'none'})`);
    await sleep(3000);
    const first = await status();
    const startedAt = performance.now();
    const beatsBefore = receiver.received.length;
    let rss = first.process.rssBytes;
    while (performance.now() - startedAt < durationMs) {
      await sleep(Math.min(1000, durationMs - (performance.now() - startedAt)));
      rss = Math.max(rss, await residentBytes(child.pid!));
    }
    const last = await status();
    rss = Math.max(rss, last.process.rssBytes, await residentBytes(child.pid!));
    const wallMicros = (performance.now() - startedAt) * 1000;
    const cpuMicros = last.process.cpuUserMicros + last.process.cpuSystemMicros - first.process.cpuUserMicros - first.process.cpuSystemMicros;
    const beats = receiver.received.length - beatsBefore;
    const proc = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kb = (field: string) => /^(\w+):\s+(\d+) kB$/m.exec(proc.split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[2] ?? '?';
    process.stderr.write(`rate ${rateHz}/s: resident ${kb('VmRSS')} kB = anonymous ${kb('RssAnon')} + file ${kb('RssFile')} + shmem ${kb('RssShmem')}; peak ${kb('VmHWM')} kB\n`);
    process.stderr.write(`rate ${rateHz}/s: ${beats} heartbeats verified in ${(wallMicros / 1e6).toFixed(1)}s, ${receiver.refused.length} refused, cpu ${(cpuMicros / 1000).toFixed(0)}ms\n`);
    return { rate_hz: rateHz, rss_mb: Math.round((rss / 1048576) * 10) / 10, cpu_pct: Math.round((cpuMicros / wallMicros) * 10000) / 100 };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await receiver.close();
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
