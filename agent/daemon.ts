import { startEtcd } from './etcd/lazy-start';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger } from 'pino';
import { configDigest, type Config, type NodeSpec } from '../core/config';
import type { Signer } from '../core/heartbeat';
import { Agent, type StopReport } from './agent';
import { readConfigFile } from './config-file';
import { systemClock } from '../lib/clock';
import { controlTransport } from './heartbeat';
import { LinuxHostNet, selectHostNet } from './hostnet';
import { detectEc2NetUtils, resolveIdentity, type IdentitySource, type ResolvedIdentity } from './identity';
import { AgentMetrics, startOpsServer } from './ops';
import { DEFAULT_OPS_TOKEN_FILE, writeOpsToken } from './ops/ops-token';
import { peerOpsRoutes } from './peer/ops-http';
import { peerClusterStatus } from './peer/ops-status';
import { SecondaryIpGate, type BindGate } from './reconcile';
import { applyConfig, listenForReloads, processReloads, type ReloadSignal, type ReloadTarget } from './reload';
import { startPeerAgent } from './peer/peer-agent';
import { startWitnessedAgent } from './witness/witnessed-agent';
import { presharedKey, signerFor } from './signer';
import { inspectFiles } from './secret-files';

export interface DaemonOptions {
  configFile: string;
  nodeId: string;
  keyFile?: string;
  /** host:port for /metrics and /status. */
  listen: string;
  hostNet: 'auto' | 'linux' | 'recording';
  identity: IdentitySource;
  /** Peer mode: where to write the operations token (default /run/ipferry/ops.token). */
  opsTokenFile?: string;
  logLevel?: string;
  env?: NodeJS.ProcessEnv;
}

/** What ends the daemon: SIGTERM or SIGINT by default; tests pass their own. */
export interface StopSignal {
  wait(): Promise<string>;
}

/**
 * The `ipferry agent` process: load, verify who we are, start, and stop gracefully on a signal.
 * Start-up is all or nothing: the signal handlers, the ops server and the UDP sockets are in place
 * before the agent's first round (a claim, a bind), so a port already taken ends the process with
 * the reason and nothing claimed, and a signal at any moment after a claim is a graceful leave.
 */
export async function runDaemon(
  options: DaemonOptions,
  stopSignal: StopSignal = processSignals(),
  logger = defaultLogger(options),
  reloads: ReloadSignal = processReloads(),
): Promise<number> {
  // Listening for the signal first: one that arrives while we start is kept, not lost or fatal.
  let signalled: string | undefined;
  const starting = new AbortController();
  const stopped = stopSignal.wait().then((signal) => {
    starting.abort(new Error(`${signal} while starting`));
    return (signalled = signal);
  });
  const hups = listenForReloads(reloads); // SIGHUP while starting: a reload kept for later, never the end
  const env = options.env ?? process.env;
  const config = await readConfigFile(options.configFile);
  const node = config.nodes.find((n) => n.id === options.nodeId);
  if (!node)
    throw new Error(
      `node "${options.nodeId}" is not in ${options.configFile} (nodes: ${config.nodes.map((n) => n.id).join(', ')})`,
    );
  const log = logger.child({ node: node.id });
  const reloader = hups.ready({ configFile: options.configFile, nodeId: node.id, config, logger: log });
  const signer = await signerFor(config, node, { keyFile: options.keyFile, env });
  // A key or PSK others may read: said at every start, not only by `ipferry validate`.
  for (const w of (await inspectFiles(config, options.keyFile ? [options.keyFile] : [])).warnings)
    log.warn({ field: w.field, path: w.path }, `${w.field} ${w.path} ${w.message}`);
  const identity = await resolveIdentity({
    node,
    source: options.identity,
    imdsUrl: env.AWS_EC2_METADATA_SERVICE_ENDPOINT,
    hetznerUrl: env.IPFERRY_HETZNER_METADATA_URL,
  });
  log.info(
    {
      source: identity.source,
      ec2: identity.ec2 && { instanceId: identity.ec2.instanceId, eni: identity.ec2.eni },
      hetzner: identity.hetzner && { serverId: identity.hetzner.serverId },
    },
    `identity: ${identity.source}`,
  );
  // On EC2, Amazon Linux's amazon-ec2-net-utils would add and remove our secondary IPs itself.
  if (identity.ec2 && node.interface)
    for (const f of await detectEc2NetUtils(node.interface)) log.warn({ evidence: f.evidence }, f.advice);
  const host = await pickHostNet(options.hostNet, log);
  const metrics = new AgentMetrics();
  // The ops server before the agent: its status reads the agent once there is one.
  const late: { running?: Running } = {};
  const ops = await startOpsServer({
    listen: options.listen,
    metrics,
    status: () => ({ ...(late.running?.status() ?? { node: node.id, starting: true }), reload: reloader.status() }),
    logger: log,
    routes: (req, res) => late.running?.routes?.(req, res) ?? false,
  }).catch((err: Error) => {
    log.error({ err: err.message, listen: options.listen }, `start-up failed, nothing claimed: ${err.message}`);
    throw err;
  });
  log.info({ listen: ops.address }, `metrics on http://${ops.address}/metrics, status on http://${ops.address}/status`);
  if (signalled) {
    log.info({ signal: signalled }, `${signalled} before the agent started: nothing claimed, stopping`);
    hups.close();
    await ops.close();
    return 0;
  }
  try {
    // Each mode opens its UDP sockets (and its fence) before the agent's first round.
    late.running =
      config.control.mode === 'peer'
        ? await startPeer(config, node, signer, host, metrics, log, env, options.opsTokenFile)
        : config.control.mode === 'etcd'
          ? await startEtcd({ config, node, signer, host, metrics, logger: log, gate: gateFor(identity) }, starting)
          : config.control.liveness === 'witnessed'
            ? await startWitnessed(config, node, signer, host, metrics, log, gateFor(identity), env)
            : await startWithControlPlane(config, node, signer, host, metrics, log, gateFor(identity));
  } catch (err) {
    await ops.close();
    hups.close();
    // A start that waits for something (etcd) ends when asked to stop: nothing was claimed.
    if (signalled) {
      log.info({ signal: signalled }, `${(err as Error).message}: nothing claimed, stopping`);
      return 0;
    }
    log.error({ err: (err as Error).message }, `start-up failed, nothing claimed: ${(err as Error).message}`);
    throw err;
  }
  const target = late.running.reload;
  reloader.attach((next) => applyConfig(target, next));
  const signal = await stopped;
  hups.close();
  log.info({ signal }, `${signal}: stopping (leaving, unbinding, hooks)`);
  const report = await late.running.stop();
  await ops.close();
  return report.ok ? 0 : 1;
}

type Host = Awaited<ReturnType<typeof pickHostNet>>;
interface Running {
  status: () => object;
  reload: ReloadTarget;
  stop: () => Promise<StopReport>;
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Heartbeats over HTTP to a control plane (local or AWS); its answers say what this node owns. */
async function startWithControlPlane(
  config: Config,
  node: NodeSpec,
  signer: Signer,
  host: Host,
  metrics: AgentMetrics,
  log: Logger,
  gate: BindGate | undefined,
): Promise<Running> {
  const transport = await controlTransport(config, node.id);
  const agent = new Agent({
    config,
    node,
    signer,
    hostNet: host.hostNet,
    hostNetKind: host.kind,
    transport,
    clock: systemClock,
    logger: log,
    gate,
    metrics,
  });
  await agent.start();
  return { status: () => agent.status(), stop: () => agent.stop({ graceful: true }), reload: { agent } };
}

/** Witnessed liveness: UDP heartbeats to this node's ring witnesses, reports to the control plane on news (docs/control-plane.md). */
async function startWitnessed(
  config: Config,
  node: NodeSpec,
  signer: Signer,
  host: Host,
  metrics: AgentMetrics,
  log: Logger,
  gate: BindGate | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Running> {
  const psk = config.security.signing === 'hmac-sha256' ? await presharedKey(config, env) : undefined;
  const transport = await controlTransport(config, node.id);
  const w = await startWitnessedAgent({
    config,
    node,
    signer,
    ...(psk ? { psk } : {}),
    hostNet: host.hostNet,
    hostNetKind: host.kind,
    transport,
    clock: systemClock,
    logger: log,
    metrics,
    ...(gate ? { gate } : {}),
    fence: host.kind === 'linux',
  });
  const status = () => ({ ...w.agent.status(), witness: w.loop.status() });
  return { status, stop: () => w.stop(), reload: { agent: w.agent } };
}

/** Peer mode: UDP heartbeats to every peer, decisions made here (docs/peer-mode.md). */
async function startPeer(
  config: Config,
  node: NodeSpec,
  signer: Signer,
  host: Host,
  metrics: AgentMetrics,
  log: Logger,
  env: NodeJS.ProcessEnv,
  tokenFile = DEFAULT_OPS_TOKEN_FILE,
): Promise<Running> {
  const psk = config.security.signing === 'hmac-sha256' ? await presharedKey(config, env) : undefined;
  // Without a token file the agent still runs; it takes no operations and says why.
  const token = await writeOpsToken(tokenFile).catch((err: Error) => {
    log.warn({ err: err.message }, `${err.message}: drain, move and unpin through this agent are refused`);
    return undefined;
  });
  if (token) log.info({ tokenFile }, `operations token in ${tokenFile}`);
  const peer = await startPeerAgent({
    config,
    node,
    signer,
    ...(psk ? { psk } : {}),
    hostNet: host.hostNet,
    hostNetKind: host.kind,
    clock: systemClock,
    logger: log,
    metrics,
    fence: host.kind === 'linux',
  });
  const cluster = () => ({
    ...peer.loop.snapshot(),
    ...{ config, self: node.id, now: systemClock.now(), configDigest: configDigest(config), ops: peer.ops },
  });
  return {
    status: () => ({ ...peer.agent.status(), peer: peer.loop.status() }),
    stop: () => peer.stop(),
    reload: { agent: peer.agent, loop: peer.loop },
    routes: peerOpsRoutes({ token, ops: peer.ops, loop: peer.loop, status: () => peerClusterStatus(cluster()) }),
  };
}

async function pickHostNet(choice: DaemonOptions['hostNet'], logger: Logger) {
  if (choice === 'linux') {
    logger.info('host network: linux (asked for with --hostnet linux)');
    return { hostNet: new LinuxHostNet({ logger: logger.child({ part: 'hostnet' }) }), kind: 'linux' };
  }
  const picked = await selectHostNet({
    logger: logger.child({ part: 'hostnet' }),
    forceRecording: choice === 'recording' ? 'asked for with --hostnet recording' : undefined,
  });
  return { hostNet: picked.hostNet, kind: picked.kind === 'linux' ? 'linux' : `recording (${picked.why})` };
}

/** On EC2, secondary IPs wait for IMDS to list them on our ENI; elsewhere nothing waits. */
function gateFor(identity: ResolvedIdentity): BindGate | undefined {
  const { imds, ec2 } = identity;
  if (!imds || !ec2) return undefined;
  return new SecondaryIpGate({
    localIpv4s: () => imds.localIpv4s(ec2.mac),
    ipv6s: () => imds.ipv6s(ec2.mac),
    now: Date.now,
  });
}

/** Handlers installed on the first wait(), which runDaemon calls before anything else. */
function processSignals(): StopSignal {
  return {
    wait: () =>
      new Promise((resolve) => {
        let seen: string | undefined;
        const on = (signal: NodeJS.Signals) => {
          if (seen) {
            process.stderr.write(
              `ipferry agent: ${signal} again while stopping after ${seen}; still stopping (bounded)\n`,
            );
            return;
          }
          seen = signal;
          resolve(signal);
        };
        process.on('SIGTERM', on);
        process.on('SIGINT', on);
      }),
  };
}

function defaultLogger(options: DaemonOptions): Logger {
  const level = options.logLevel ?? (options.env ?? process.env).IPFERRY_LOG_LEVEL ?? 'info';
  return pino({ name: 'ipferry-agent', level });
}
