import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import type { ProviderCredentials } from '../../adapters/providers';
import { loadConfig, type Config } from '../../core/config';
import { generateNodeKey } from '../../core/heartbeat';
import { startLocalControlPlane } from '../../control/local-server';
import { pinoLog } from '../../lib/log';
import { Ec2Emulator } from '../../sim/aws-ec2';
import { seedFromConfig as ec2Seed } from '../../sim/aws-ec2/from-config';
import { DEFAULT_TOKEN } from '../../sim/hetzner-cloud';
import { DEFAULT_ROBOT_CREDENTIALS } from '../../sim/hetzner-robot';
import { startSim } from '../commands/sim';
import { providersFor } from '../control-setup';
import { freePort, selfCommand } from '../demo/processes';
import { emulatorsFor, sessionConfig } from './session-config';

export interface UpAgent {
  node: string;
  pid: number;
  metrics: string;
  logFile: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface UpSession {
  dir: string;
  configFile: string;
  config: Config;
  controlUrl: string;
  emulators: Array<{ kind: string; url: string }>;
  agents: UpAgent[];
  notes: string[];
  /** Agents first (SIGTERM: they leave), then the control plane and emulators; the folder last. Idempotent. */
  stop(): Promise<void>;
  /** For a signal handler that cannot wait: SIGKILL the agents and remove the folder now. */
  stopNow(): void;
}

const REGION_DEFAULT = 'eu-central-1';

/**
 * Starts one `ipferry up` session: a private folder (0700) with the session config and keys
 * (0600), the emulators its providers need, a local control plane in this process and one agent
 * per node as a child process. Whatever fails on the way is undone before the error is thrown.
 */
export async function startSession(
  raw: Record<string, unknown>,
  config: Config,
  opts: { keepChecks: boolean; self?: string[]; tmpRoot?: string },
): Promise<UpSession> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'ipferry-up-'));
  await chmod(dir, 0o700);
  const agents: UpAgent[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  let removed = false;
  const removeDir = () => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  const stopNow = () => {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    removeDir();
  };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGTERM');
      // Bounded: an agent's graceful stop has its own deadline; past 10 s it is killed.
      await Promise.race([Promise.all(agents.map((a) => a.exited)), new Promise((r) => setTimeout(r, 10_000).unref())]);
      for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
      stopNow();
    })());
  // Until the caller installs its own handlers: a Ctrl-C while starting leaves no keys and no agents.
  const interrupted = (signal: NodeJS.Signals) => {
    stopNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const ed25519 = config.security.signing === 'ed25519';
    const keys = ed25519 ? Object.fromEntries(config.nodes.map((n) => [n.id, generateNodeKey()])) : {};
    for (const [id, k] of Object.entries(keys))
      await writeFile(join(dir, `${id}.pem`), k.privateKeyPem, { mode: 0o600, flag: 'wx' });
    const pskFile = ed25519 ? undefined : join(dir, 'psk');
    const psk = randomBytes(24).toString('base64url');
    if (pskFile) await writeFile(pskFile, `${psk}\n`, { mode: 0o600, flag: 'wx' });
    const loopbackPrefix = `127.${randomInt(100, 200)}.${randomInt(0, 256)}`;
    const session = sessionConfig(raw, config, {
      controlPort: await freePort(),
      witnessPort: await freeUdpPort(`${loopbackPrefix}.10`),
      loopbackPrefix,
      ...(ed25519
        ? { publicKeys: Object.fromEntries(Object.entries(keys).map(([id, k]) => [id, k.publicKey])) }
        : { pskFile: pskFile! }),
      keepChecks: opts.keepChecks,
    });
    const yaml = `# written by ipferry up for this session only; removed when it ends\n${stringify(session.doc)}`;
    const sessionCfg = loadConfig(yaml);
    const configFile = join(dir, 'ipferry.yaml');
    await writeFile(configFile, yaml, { mode: 0o600, flag: 'wx' });

    const emulators: Array<{ kind: string; url: string }> = [];
    for (const kind of emulatorsFor(sessionCfg)) {
      const sim = kind === 'ec2' ? await startEc2(sessionCfg) : await startSim(kind, { config: sessionCfg });
      emulators.push({ kind, url: sim.url });
      closers.push(() => sim.close());
    }
    const credentials = emulatorCredentials(
      emulators,
      config.control.mode === 'aws' ? config.control.region : REGION_DEFAULT,
    );
    const logger = pino({ level: 'info' }, pino.destination({ dest: join(dir, 'control-plane.log'), sync: false }));
    closers.push(() => logger.flush());
    const { providers, publisher } = providersFor(sessionCfg, credentials, logger);
    const cp = await startLocalControlPlane({
      config: sessionCfg,
      log: pinoLog(logger),
      providers,
      ...(publisher ? { publisher } : {}),
      ...(ed25519 ? {} : { psk }),
    });
    closers.push(() => cp.close());

    const self = opts.self ?? selfCommand();
    for (const n of sessionCfg.nodes) {
      const metrics = `127.0.0.1:${await freePort()}`;
      agents.push(
        spawnAgent(self, {
          node: n.id,
          configFile,
          metrics,
          logFile: join(dir, `${n.id}.log`),
          ...(ed25519 ? { keyFile: join(dir, `${n.id}.pem`) } : {}),
        }),
      );
    }
    return {
      dir,
      configFile,
      config: sessionCfg,
      controlUrl: cp.url,
      emulators,
      agents,
      notes: session.notes,
      stop,
      stopNow,
    };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/** The providers' credentials for running emulators: their URLs, their fixed test secrets (also the demo's). */
export function emulatorCredentials(
  emulators: ReadonlyArray<{ kind: string; url: string }>,
  region: string,
  route53PollMs: number | undefined = 200,
): ProviderCredentials {
  const url = (kind: string) => emulators.find((e) => e.kind === kind)?.url;
  const poll = route53PollMs === undefined ? {} : { route53PollMs };
  return {
    aws: {
      region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...(url('ec2') ? { ec2Endpoint: url('ec2') } : {}),
      ...(url('route53') ? { route53Endpoint: url('route53'), ...poll } : {}),
    },
    ...(url('hetzner') ? { hetznerCloud: { token: DEFAULT_TOKEN, baseUrl: `${url('hetzner')}/v1` } } : {}),
    ...(url('robot') ? { hetznerRobot: { ...DEFAULT_ROBOT_CREDENTIALS, baseUrl: url('robot')! } } : {}),
  };
}

/** Starts `ipferry agent` for one node with recorded plumbing and the config's identity; output to its log file. */
function spawnAgent(
  self: string[],
  o: { node: string; configFile: string; metrics: string; logFile: string; keyFile?: string },
): UpAgent {
  const [cmd, ...pre] = self;
  const args = [
    ...pre,
    'agent',
    '--config',
    o.configFile,
    '--node',
    o.node,
    ...(o.keyFile ? ['--key', o.keyFile] : []),
    '--hostnet',
    'recording',
    '--identity',
    'config',
    '--metrics',
    o.metrics,
    '--log-level',
    'info',
  ];
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(o.logFile, { mode: 0o600 });
  // The folder may be removed while the agent still writes: a lost log line, not a crash.
  log.on('error', () => undefined);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { node: o.node, pid: child.pid ?? -1, metrics: o.metrics, logFile: o.logFile, child, exited };
}

/**
 * EC2 as the config's operator would have it: an overlay route's candidates have their interface's
 * source/destination check off (EC2 drops packets routed to an interface that has it on, and the
 * adapter refuses such a move), which the emulator's plain seed leaves on, as EC2 does.
 */
async function startEc2(config: Config): Promise<{ url: string; close(): Promise<void> }> {
  const overlay = config.vips.filter((v) => v.kind === 'aws-overlay-route');
  const off = config.nodes
    .filter((n) => overlay.some((v) => !v.eligible?.nodes || v.eligible.nodes.includes(n.id)))
    .map((n) => n.id);
  const emulator = new Ec2Emulator({
    seed: ec2Seed(config, { sourceDestCheckOff: off }),
    settings: { strictReassociation: true },
  });
  const server = await emulator.start(0);
  return { url: server.url, close: () => emulator.close() };
}

/** A UDP port free on `address` (a loopback address of the session), as the OS handed it out. */
function freeUdpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
