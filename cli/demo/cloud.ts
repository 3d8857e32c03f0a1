import { rmSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { HOST_BOUND_KINDS, loadConfig } from '../../core/config';
import type { ControlEvent } from '../../core/ports';
import { startLocalControlPlane } from '../../control/local-server';
import { pinoLog } from '../../lib/log';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { seedFromConfig } from '../../sim/aws-ec2/from-config';
import { providersFor } from '../control-setup';
import { termSafe } from '../terminal-text';
import { DEMO_NODES, demoConfigYaml, demoKeys } from './cloud-config';
import { freePort, selfCommand, spawnAgent, type ChildAgent } from './processes';
import { isReaderGone, ReaderGone } from './output';
import { FailoverWatch, stamp, type FailoverReport } from './watch';

export interface CloudDemoOptions {
  json: boolean;
  print: (line: string) => void;
  /** How to run ipferry as a child (default: this program). */
  self?: string[];
  /** After the failover, bring the dead node back and watch the VIPs go home (default: yes). */
  showReturn?: boolean;
  /** With json: where the narration goes (the command: stderr); without it, nowhere. */
  progress?: (line: string) => void;
  /** True once the reader of the output went away: the demo stops at its next wait. */
  readerGone?: () => boolean;
  /** Where the demo's temporary folder is made (default: the OS's). */
  tmpRoot?: string;
  keepFiles?: boolean;
  /** How the control plane learns who is alive (default witnessed). */
  liveness?: 'witnessed' | 'direct';
}

const EC2_LATENCY_MS = 120;
const EC2_LAG_MS = 250;

/**
 * The embedded default, end to end on one machine: the EC2 emulator (seeded from the demo config),
 * the local control plane with the real EC2 adapter pointed at it, and three real agents as child
 * processes with recorded host plumbing. It kills the owner of the VIPs with SIGKILL and follows
 * the failover through the control plane's own events: detected, decided, provider call,
 * verified at EC2, bound by the new owner.
 */
export async function cloudDemo(opts: CloudDemoOptions): Promise<FailoverReport[]> {
  const say = (line: string) => (opts.json ? opts.progress?.(line) : opts.print(line));
  // The SDK's notice that its 2027 releases will need Node 22 is for operators, not for this demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // It holds the agents' private keys: private to this user, and removed whatever happens.
  const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'ipferry-demo-'));
  await chmod(dir, 0o700);
  const removeDir = () => (opts.keepFiles ? undefined : rmSync(dir, { recursive: true, force: true }));
  const reports: FailoverReport[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  const agents = new Map<string, ChildAgent>();
  // Ctrl-C or a kill: the finally below never runs, so the agents and the keys go here.
  const interrupted = (signal: NodeJS.Signals) => {
    for (const a of agents.values()) a.child.kill('SIGKILL');
    removeDir();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const keys = demoKeys();
    const yaml = demoConfigYaml({ control: await freePort(), witness: await freePort() }, keys, opts.liveness ?? 'witnessed');
    const config = loadConfig(yaml);
    const configFile = join(dir, 'ipferry.yaml');
    await writeFile(configFile, yaml, { mode: 0o600 });
    for (const id of DEMO_NODES) await writeFile(join(dir, `${id}.pem`), keys[id]!.privateKeyPem, { mode: 0o600, flag: 'wx' });

    const ec2 = new Ec2Emulator({ seed: seedFromConfig(config), settings: { latencyMs: EC2_LATENCY_MS, consistencyLagMs: EC2_LAG_MS } });
    await ec2.start();
    cleanups.push(() => ec2.close());
    const logger = pino({ level: 'info' }, pino.destination({ dest: join(dir, 'control-plane.log'), sync: false }));
    cleanups.push(() => logger.flush());
    const aws = { region: 'eu-central-1', ec2Endpoint: ec2.url, credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } };
    const { providers } = providersFor(config, { aws }, logger);
    const cp = await startLocalControlPlane({ config, log: pinoLog(logger), providers });
    cleanups.push(() => cp.close());
    const api = async <T>(path: string): Promise<T> => (await (await fetch(`${cp.url}${path}`)).json()) as T;
    const events = async () => (await api<{ events: ControlEvent[] }>('/v1/events?limit=100')).events;
    const self = opts.self ?? selfCommand();
    const start = async (node: string) =>
      agents.set(node, spawnAgent({ self, node, configFile, keyFile: join(dir, `${node}.pem`), metricsPort: await freePort(), logFile: join(dir, `${node}.log`) }));

    say('ipferry demo: a local control plane, the EC2 emulator and three agents, all on this machine');
    say('(no cloud account, no root: the agents record their host plumbing instead of applying it)\n');
    say(`  control plane  ${cp.url}`);
    say(`  EC2 emulator   ${ec2.url}  (API latency ${EC2_LATENCY_MS} ms, reads lag writes by ${EC2_LAG_MS} ms)`);
    say(`  files and logs ${dir}`);
    say('  VIPs           web (secondary private IP 10.0.1.50) and web-public (Elastic IP 203.0.113.10, follows web)');
    const how = config.control.mode !== 'peer' && config.control.liveness === 'witnessed' ? 'witnessed: agents beat to their ring neighbours over UDP and report news' : 'direct: every agent beats to the control plane';
    say(`  liveness       ${how}`);
    say(`  timers         heartbeat ${config.timers.heartbeatInterval} ms, deadAfter ${config.timers.deadAfter} ms\n`);

    for (const id of DEMO_NODES) await start(id);
    say('starting three agents (web1, web2, web3)…');
    await until(60_000, async () => settledOn(await api<StatusLike>('/v1/status'), 'web1'), 'the agents to start and web1 to hold both VIPs', opts.readerGone);
    say(`web and web-public are on web1 (EC2: 10.0.1.50 on ${ec2.holderOfPrivateIp('10.0.1.50')}), bound by its agent\n`);

    const crashAt = Date.now();
    agents.get('web1')!.child.kill('SIGKILL');
    say(`${stamp(0)}  web1 killed (SIGKILL): no leaving heartbeat, no clean-up`);
    const hostBound = new Set(config.vips.filter((v) => HOST_BOUND_KINDS.has(v.kind)).map((v) => v.name));
    const failover = new FailoverWatch(crashAt, 'web1', say, hostBound);
    await until(30_000, async () => {
      const list = await events();
      failover.update(list);
      return failover.done(list, config.vips.length);
    }, 'the failover to be verified and bound', opts.readerGone);
    for (const r of failover.reports(await events(), 'failover')) {
      reports.push(r);
      if (opts.json) opts.print(JSON.stringify(r));
    }
    if (!opts.json) printSummary(say, reports, ec2.holderOfPrivateIp('10.0.1.50'));

    if (opts.showReturn ?? true) {
      const backAt = Date.now();
      const survivor = reports[0]?.to ?? 'web2';
      say(`\nweb1 comes back; it is preferred, so it takes the VIPs back once healthy for preemptDelay (${config.timers.preemptDelay} ms)`);
      await start('web1');
      const handback = new FailoverWatch(backAt, survivor, say, hostBound);
      await until(60_000, async () => {
        const list = await events();
        handback.update(list);
        return handback.done(list, config.vips.length) && settledOn(await api<StatusLike>('/v1/status'), 'web1');
      }, 'web1 to take its VIPs back', opts.readerGone);
      for (const r of handback.reports(await events(), 'return')) {
        reports.push(r);
        if (opts.json) opts.print(JSON.stringify(r));
      }
      say(`home again: EC2 shows 10.0.1.50 on ${ec2.holderOfPrivateIp('10.0.1.50')}`);
    }
    return reports;
  } catch (err) {
    // The reader of --json went away: what it wanted is printed; stop quietly, clean up below.
    if (isReaderGone(err)) return reports;
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const a of agents.values()) a.child.kill('SIGTERM');
    await Promise.race([Promise.all([...agents.values()].map((a) => a.exited)), sleep(5000)]);
    for (const a of agents.values()) a.child.kill('SIGKILL');
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    removeDir();
  }
}

interface StatusLike {
  vips: Array<{ vip: string; node: string | null; bound: boolean | null }>;
}

/** Every VIP on `node` and, where an agent binds it, bound (null: no host carries that kind). */
function settledOn(s: StatusLike, node: string): boolean {
  return s.vips.length > 0 && s.vips.every((v) => v.node === node && v.bound !== false);
}

function printSummary(say: (l: string) => void, reports: readonly FailoverReport[], holder: string | undefined): void {
  say('\n  VIP          from → to     reason       detect  decide     API   total (crash → verified at EC2)  bound');
  for (const r of reports) {
    const cells = [termSafe(r.vip).padEnd(12), termSafe(`${r.from} → ${r.to}`).padEnd(13), termSafe(r.reason).padEnd(11), ms(r.detect_ms), ms(r.decide_ms), ms(r.api_ms), ms(r.total_ms).padEnd(32), r.bound_ms === null ? '—' : ms(r.bound_ms)];
    say(`  ${cells.join(' ')}`);
  }
  say(`\n  EC2 now shows 10.0.1.50 on ${holder}. For comparison: Pacemaker's AWS agents monitor every 20–60 s,`);
  say('  Hetzner floating-IP controllers poll every 30 s, Route 53 failover takes 30 s and more.');
}

function ms(n: number): string {
  return `${Math.round(n)} ms`.padStart(7);
}

async function until(timeoutMs: number, check: () => Promise<boolean>, what: string, readerGone?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readerGone?.()) throw new ReaderGone();
    // A failed API read is retried; a reader that went away ends the demo.
    const ok = await check().catch((err: unknown) => {
      if (isReaderGone(err)) throw err;
      return false;
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`demo: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
