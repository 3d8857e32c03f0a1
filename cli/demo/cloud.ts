import { rmSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { HOST_BOUND_KINDS, loadConfig } from '../../core/config';
import type { EmulatorProfile } from '../../sim/common/profile';
import type { ControlEvent } from '../../core/ports';
import { startLocalControlPlane } from '../../control/local-server';
import { pinoLog } from '../../lib/log';
import { providersFor } from '../control-setup';
import { DEMO_NODES, DEMO_VIPS_TEXT, demoConfigYaml, demoKeys, type DemoProvider } from './cloud-config';
import { callsBetween, startDemoEmulator } from './emulator';
import { freePort, selfCommand, spawnAgent, type ChildAgent } from './processes';
import { isReaderGone } from './output';
import { holders, printSummary, settledOn, sleep, until, waitingNote, type StatusLike } from './cloud-steps';
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
  /** Whose kinds of VIP fail over, through its emulator (default ec2). */
  provider?: DemoProvider;
  /** The emulator's timings (sim/common/profile.ts; default fast). */
  profile?: EmulatorProfile;
}

/** Beyond the providers' own move deadlines: detection, the decision and the new owner's bind. */
const SETTLE_MARGIN_MS = 30_000;

/**
 * The embedded demo, end to end on one machine: a provider's emulator (EC2 by default; Route 53,
 * Hetzner Cloud or Robot) seeded from the demo config, the local control plane with the real
 * adapter pointed at it, and three real agents as child processes with recorded host plumbing. It
 * kills the owner of the VIPs with SIGKILL and follows the failover through the control plane's
 * own events: detected, decided, provider call, accepted (Route 53), verified at the provider,
 * bound by the new owner; each line also counts the calls the emulator served meanwhile.
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
    const provider = opts.provider ?? 'ec2';
    const profile = opts.profile ?? 'fast';
    const yaml = demoConfigYaml(
      { control: await freePort(), witness: await freePort() },
      keys,
      opts.liveness ?? 'witnessed',
      provider,
    );
    const config = loadConfig(yaml);
    const configFile = join(dir, 'ipferry.yaml');
    await writeFile(configFile, yaml, { mode: 0o600 });
    for (const id of DEMO_NODES)
      await writeFile(join(dir, `${id}.pem`), keys[id]!.privateKeyPem, { mode: 0o600, flag: 'wx' });

    const emu = await startDemoEmulator(provider, config, profile);
    cleanups.push(() => emu.sim.close());
    const logger = pino({ level: 'info' }, pino.destination({ dest: join(dir, 'control-plane.log'), sync: false }));
    cleanups.push(() => logger.flush());
    const { providers } = providersFor(config, emu.credentials, logger);
    const calls = (from: number) => callsBetween(emu.sim.emulator.calls.calls, from, Date.now());
    // However long the slowest kind's move may take (a Robot switch: minutes), plus the rest.
    const settleMs =
      SETTLE_MARGIN_MS + Math.max(...config.vips.map((v) => providers.get(v.kind)?.moveDeadlineMs?.(v.kind) ?? 20_000));
    const cp = await startLocalControlPlane({ config, log: pinoLog(logger), providers });
    cleanups.push(() => cp.close());
    const api = async <T>(path: string): Promise<T> => (await (await fetch(`${cp.url}${path}`)).json()) as T;
    const events = async () => (await api<{ events: ControlEvent[] }>('/v1/events?limit=100')).events;
    const self = opts.self ?? selfCommand();
    const start = async (node: string) =>
      agents.set(
        node,
        spawnAgent({
          self,
          node,
          configFile,
          keyFile: join(dir, `${node}.pem`),
          metricsPort: await freePort(),
          logFile: join(dir, `${node}.log`),
        }),
      );

    say(`ipferry demo: a local control plane, the ${provider} emulator and three agents, all on this machine`);
    say('(no cloud account, no root: the agents record their host plumbing instead of applying it)\n');
    say(`  control plane  ${cp.url}`);
    say(`  emulator       ${emu.describe}`);
    say(`  files and logs ${dir}`);
    say(`  VIPs           ${DEMO_VIPS_TEXT[provider]}`);
    const how =
      config.control.mode !== 'peer' && config.control.mode !== 'etcd' && config.control.liveness === 'witnessed'
        ? 'witnessed: agents beat to their ring neighbours over UDP and report news'
        : 'direct: every agent beats to the control plane';
    say(`  liveness       ${how}`);
    say(`  timers         heartbeat ${config.timers.heartbeatInterval} ms, deadAfter ${config.timers.deadAfter} ms\n`);

    // web1 first, and alive before the others start: a survivor that came up first would claim the
    // VIPs, and under the real profile that is a Robot switch of 50 s and another to come home.
    say('starting three agents (web1, then web2 and web3)…');
    await start('web1');
    await until(
      settleMs,
      async () => (await api<StatusLike>('/v1/status')).nodes.some((n) => n.id === 'web1' && n.state === 'alive'),
      'web1 to come up',
      opts.readerGone,
    );
    for (const id of DEMO_NODES.filter((n) => n !== 'web1')) await start(id);
    // Every agent heard from before the kill: a survivor not yet heard could not take the VIPs.
    await until(
      settleMs,
      async () => settledOn(await api<StatusLike>('/v1/status'), 'web1'),
      'the agents to start and web1 to hold every VIP',
      opts.readerGone,
    );
    say(
      `${config.vips.map((v) => v.name).join(' and ')} on web1 (${provider}: ${await holders(providers, config.vips)}), bound by its agent where a host carries it\n`,
    );

    const crashAt = Date.now();
    agents.get('web1')!.child.kill('SIGKILL');
    say(`${stamp(0)}  web1 killed (SIGKILL): no leaving heartbeat, no clean-up`);
    const hostBound = new Set(config.vips.filter((v) => HOST_BOUND_KINDS.has(v.kind)).map((v) => v.name));
    const failover = new FailoverWatch(crashAt, 'web1', say, hostBound);
    const waiting = waitingNote(crashAt, say, () => calls(crashAt).calls);
    try {
      await until(
        settleMs,
        async () => {
          const list = await events();
          if (failover.update(list)) waiting.heard();
          return failover.done(list, config.vips.length);
        },
        'the failover to be verified and bound',
        opts.readerGone,
      );
    } finally {
      waiting.stop();
    }
    for (const r of failover.reports(await events(), 'failover', { provider, ...calls(crashAt) })) {
      reports.push(r);
      if (opts.json) opts.print(JSON.stringify(r));
    }
    if (!opts.json) printSummary(say, reports, `${provider} now shows ${await holders(providers, config.vips)}`);

    if (opts.showReturn ?? true) {
      const backAt = Date.now();
      const survivor = reports[0]?.to ?? 'web2';
      say(
        `\nweb1 comes back; it is preferred, so it takes the VIPs back once healthy for preemptDelay (${config.timers.preemptDelay} ms)`,
      );
      await start('web1');
      const handback = new FailoverWatch(backAt, survivor, say, hostBound);
      const waitingBack = waitingNote(backAt, say, () => calls(backAt).calls);
      try {
        await until(
          settleMs + config.timers.preemptDelay,
          async () => {
            const list = await events();
            if (handback.update(list)) waitingBack.heard();
            return handback.done(list, config.vips.length) && settledOn(await api<StatusLike>('/v1/status'), 'web1');
          },
          'web1 to take its VIPs back',
          opts.readerGone,
        );
      } finally {
        waitingBack.stop();
      }
      for (const r of handback.reports(await events(), 'return', { provider, ...calls(backAt) })) {
        reports.push(r);
        if (opts.json) opts.print(JSON.stringify(r));
      }
      say(`home again: ${provider} shows ${await holders(providers, config.vips)}`);
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
