import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import YAML from 'yaml';
import { loadConfig } from '../../core/config';
import { analyze, createLab, type AddressWatch, type Lab, type LabProcess } from '../../sim/lab';
import { AgentRun } from './agent-run';

/**
 * keepalived and ipferry side by side in the LAN lab: three hosts with the keepalived files in
 * fixtures/beside/, the config `ipferry import keepalived` makes of them, and the legacy-watch
 * recipe (agent/legacy-watch) that keeps an ipferry agent passive while an old VRRP master is heard.
 */
export const VIP = '198.18.0.50';
export const VRID = 51;
export const HOSTS = ['h1', 'h2', 'h3'] as const;
const FIXTURES = fileURLToPath(new URL('./fixtures/beside/', import.meta.url));
const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const LEGACY = fileURLToPath(new URL('../../agent/legacy-watch/main.ts', import.meta.url));
const LEGACY_CHECK = fileURLToPath(new URL('../../agent/legacy-watch/check.sh', import.meta.url));
/** keepalived's master-down interval for advert_int 1: 3 adverts missed. */
export const QUIET_MS = 3000;
/** With the fixtures' files: 3 × advert_int + skew of the next in line, (256 − priority 100) / 256 s. */
export const MASTER_DOWN_MS = 3000 + Math.round(((256 - 100) * 1000) / 256);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Beside {
  readonly keepalived = new Map<string, LabProcess>();
  readonly agents = new Map<string, AgentRun>();
  readonly watchers = new Map<string, LabProcess>();

  private constructor(
    readonly lab: Lab,
    readonly dir: string,
    readonly addresses: AddressWatch,
    /** The imported config, plain. */
    readonly importedFile: string,
    /** The imported config plus the legacy-vrrp check on every VIP. */
    readonly besideFile: string,
    private readonly legacyScript: string,
  ) {}

  static async start(): Promise<Beside> {
    const dir = await mkdtemp(join(tmpdir(), 'ipferry-beside-'));
    const lab = await createLab({ hosts: HOSTS.length });
    try {
      const legacyScript = join(dir, 'legacy-watch.mjs');
      // The watcher bundled into one file, as an operator installs it (docs/migrating.md), and no tsx start.
      await build({
        entryPoints: [LEGACY],
        outfile: legacyScript,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
      });
      const importedFile = join(dir, 'imported.yaml');
      await importKeepalived(importedFile);
      const besideFile = join(dir, 'beside.yaml');
      await writeFile(besideFile, withLegacyCheck(await readFile(importedFile, 'utf8'), dir));
      const addresses = await lab.watchAddresses();
      return new Beside(lab, dir, addresses, importedFile, besideFile, legacyScript);
    } catch (err) {
      await lab.destroy();
      throw err;
    }
  }

  /** keepalived in the foreground with that host's fixture; pid files of its own (hosts share a filesystem). */
  startKeepalived(host: string): LabProcess {
    const pid = (what: string) => join(this.dir, `${host}-${what}.pid`);
    const args = [
      '--dont-fork',
      '--log-console',
      '--vrrp',
      '--use-file',
      join(FIXTURES, `${host}.conf`),
      '--pid',
      pid('main'),
      '--vrrp_pid',
      pid('vrrp'),
      '--checkers_pid',
      pid('checkers'),
    ];
    const proc = this.lab.spawn(host, 'keepalived', args);
    this.keepalived.set(host, proc);
    return proc;
  }

  /** SIGTERM, as `systemctl stop keepalived` sends: it drops the VIP and sends a priority-0 advert. */
  async stopKeepalived(host: string, timeoutMs = 10_000): Promise<void> {
    const proc = this.keepalived.get(host);
    if (!proc) throw new Error(`no keepalived was started in ${host}`);
    proc.kill('SIGTERM');
    const late = sleep(timeoutMs).then(() => 'late' as const);
    if ((await Promise.race([proc.exited.then(() => 'done' as const), late])) === 'late') {
      throw new Error(`keepalived in ${host} did not stop within ${timeoutMs} ms: ${proc.stderrTail()}`);
    }
  }

  /** The privileged half of the recipe: captures VRRP adverts and keeps the check's file fresh. */
  async startWatcher(host: string): Promise<void> {
    const args = [
      this.legacyScript,
      'watch',
      '--iface',
      'eth0',
      '--vrid',
      String(VRID),
      '--state-dir',
      this.dir,
      '--quiet-ms',
      String(QUIET_MS),
    ];
    const proc = this.lab.spawn(host, process.execPath, args);
    this.watchers.set(host, proc);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`legacy-watch in ${host}: not ready in 10 s: ${proc.stderrTail()}`)),
        10_000,
      );
      proc.onLine((l) => l.startsWith('ready') && (clearTimeout(timer), resolve()));
      void proc.exited.then(
        (e) => (
          clearTimeout(timer),
          reject(new Error(`legacy-watch in ${host} exited (${e.signal ?? e.code}): ${proc.stderrTail()}`))
        ),
      );
    });
  }

  startAgent(host: string, configFile: string): AgentRun {
    const run = new AgentRun(this.lab, host, host, configFile);
    this.agents.set(host, run);
    return run;
  }

  /** Waits (bounded) until every started agent says peer mode runs: a slow start is not a slow failover. */
  async agentsReady(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    const ready = (a: AgentRun) => a.lines.some((l) => l.line.includes('peer mode started'));
    while (Date.now() < end) {
      if ([...this.agents.values()].every(ready)) return;
      await sleep(100);
    }
    const slow = [...this.agents].filter(([, a]) => !ready(a)).map(([h]) => h);
    throw new Error(`agents of ${slow.join(', ')} did not start peer mode within ${timeoutMs} ms`);
  }

  holders(): string[] {
    return this.addresses.holders(VIP);
  }

  /** Waits (bounded) until exactly `host` holds the VIP; the error says who did and what logged. */
  async until(host: string, timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const h = this.holders();
      if (h.length === 1 && h[0] === host) return Date.now();
      await sleep(50);
    }
    const logs = [...this.keepalived, ...this.agents.entries()].map(
      ([n, p]) => `${n}: ${'stderrTail' in p ? p.stderrTail().slice(-600) : p.tail(8)}`,
    );
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${VIP} on ${host} (now [${this.holders().join(', ')}])\n${logs.join('\n')}`,
    );
  }

  async destroy(): Promise<void> {
    await this.addresses.stop().catch(() => []);
    await this.lab.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** `ipferry import keepalived` on the three fixtures, as an operator runs it; exit 1 is "something dropped". */
async function importKeepalived(out: string): Promise<void> {
  const nodes = HOSTS.flatMap((h) => ['--node', `${h}=${join(FIXTURES, `${h}.conf`)}`]);
  const args = ['--import', 'tsx', MAIN, 'import', 'keepalived', '--cluster', 'beside', ...nodes, '-o', out];
  const r = await promisify(execFile)(process.execPath, args).catch(
    (e: { code?: number; stdout: string; stderr: string }) => e,
  );
  if ('code' in r && r.code !== 1) throw new Error(`ipferry import keepalived failed (exit ${r.code}): ${r.stderr}`);
}

/**
 * The recipe's config half: every VIP also waits on the `legacy-vrrp` exec check, healthy only
 * when no old master was heard for QUIET_MS (the watcher's --quiet-ms). Checks start unhealthy and
 * must rise, so a fresh agent is passive before its first look, never after. fall 3: on a loaded
 * host one check run that times out must not take a healthy owner's VIP away; an old
 * master reappearing after the switch is not part of the recipe (keepalived is stopped for good).
 */
export function withLegacyCheck(yaml: string, stateDir: string): string {
  const doc = YAML.parse(yaml) as { checks?: Record<string, unknown>; vips: Array<{ checks?: string[] }> };
  doc.checks = {
    ...doc.checks,
    'legacy-vrrp': {
      kind: 'exec',
      command: ['bash', LEGACY_CHECK, '--state-dir', stateDir],
      interval: '1s',
      timeout: '900ms',
      rise: 1,
      fall: 3,
    },
  };
  for (const v of doc.vips) v.checks = [...(v.checks ?? []), 'legacy-vrrp'];
  loadConfig(doc); // refuses here, naming the field, rather than in three agents' logs
  return YAML.stringify(doc);
}

export interface Outage {
  outageMs: number;
  recovered: boolean;
  by: string | null;
  /** Most distinct hosts answering one probe or one ARP request. */
  responders: number;
  /** Most hosts carrying the VIP at once, as their kernels reported it. */
  holders: number;
}

/** h1's link goes down while the client probes; what the client saw, and who held the VIP meanwhile. */
export async function linkDownOutage(b: Beside): Promise<Outage> {
  const prober = await b.lab.startProber({ vip: VIP, durationMs: 12_000 });
  const arp = b.lab.watchResponders(VIP, { durationMs: 12_000 });
  await sleep(1000);
  const faultAt = Date.now();
  await b.lab.linkDown('h1');
  const a = analyze(await prober.done(), { faultAt, arp: await arp.stop() });
  return {
    outageMs: a.outageMs,
    recovered: a.recovered,
    by: a.firstAnswerAfterOutage?.by ?? null,
    responders: a.maxDistinctResponders,
    holders: b.addresses.maxHolders(VIP, faultAt),
  };
}

export interface Switch {
  /** The longest run of unanswered probes over the whole switch. */
  gapMs: number;
  responders: number;
  holders: number;
  /** Who answered at the end (ipferry's preferred node, h1, when all went well) and for how long. */
  last: { by: string; ms: number } | null;
  steps: string[];
  segments: string;
}

/**
 * keepalived runs on every host (h1 master) with a watcher beside it; then h1, h2, h3 in turn stop
 * keepalived and start an ipferry agent with the legacy check, while the client probes throughout.
 */
export async function hostByHost(b: Beside): Promise<Switch> {
  const startedAt = Date.now();
  const prober = await b.lab.startProber({ vip: VIP, durationMs: 60_000 });
  const arp = b.lab.watchResponders(VIP, { durationMs: 60_000 });
  await sleep(1000);
  const steps: string[] = [];
  for (const h of HOSTS) {
    const at = Date.now();
    await b.stopKeepalived(h);
    b.startAgent(h, b.besideFile);
    // As an operator would, the next host only once this agent runs (under load a start takes many
    // seconds, and peers without quorum claim nothing): the gap is then the failover, not the start.
    await b.agentsReady(30_000);
    // Long enough for the next keepalived to take over and the agent to settle beside it.
    await sleep(QUIET_MS + 3000);
    steps.push(`${h} swapped at +${at - startedAt} ms, holders now [${b.holders().join(', ')}]`);
  }
  await b.until('h1', 30_000); // the last keepalived gone: ipferry's preferred node, after the quiet period
  await sleep(1000);
  const a = analyze(await prober.stop(), { faultAt: startedAt, arp: await arp.stop() });
  const last = a.segments.at(-1);
  return {
    gapMs: a.outageMs,
    responders: a.maxDistinctResponders,
    holders: b.addresses.maxHolders(VIP, startedAt),
    last: last ? { by: last.by, ms: last.to - last.from } : null,
    steps,
    segments: a.segments.map((g) => `${g.by} +${g.from - startedAt}..+${g.to - startedAt}`).join(', '),
  };
}
