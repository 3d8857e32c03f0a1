import { readFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { ConfigError, parseConfigText, type Config } from '../core/config';
import { Agent } from './agent';
import { systemClock } from './checks';
import { HttpTransport, heartbeatUrl } from './heartbeat';
import { LinuxHostNet, selectHostNet } from './hostnet';
import { resolveIdentity, type IdentitySource, type ResolvedIdentity } from './identity';
import { AgentMetrics, startOpsServer } from './ops';
import { SecondaryIpGate, type BindGate } from './reconcile';
import { signerFor } from './signer';

export interface DaemonOptions {
  configFile: string;
  nodeId: string;
  keyFile?: string;
  /** host:port for /metrics and /status. */
  listen: string;
  hostNet: 'auto' | 'linux' | 'recording';
  identity: IdentitySource;
  logLevel?: string;
  env?: NodeJS.ProcessEnv;
}

/** What ends the daemon: SIGTERM or SIGINT by default; tests pass their own. */
export interface StopSignal {
  wait(): Promise<string>;
}

/** The `ipferry agent` process: load, verify who we are, start, and stop gracefully on a signal. */
export async function runDaemon(options: DaemonOptions, stopSignal: StopSignal = processSignals(), logger = defaultLogger(options)): Promise<number> {
  const env = options.env ?? process.env;
  const config = await loadConfigFile(options.configFile);
  const node = config.nodes.find((n) => n.id === options.nodeId);
  if (!node) throw new Error(`node "${options.nodeId}" is not in ${options.configFile} (nodes: ${config.nodes.map((n) => n.id).join(', ')})`);
  const log = logger.child({ node: node.id });
  const signer = await signerFor(config, node, { keyFile: options.keyFile, env });
  const identity = await resolveIdentity({
    node,
    source: options.identity,
    imdsUrl: env.AWS_EC2_METADATA_SERVICE_ENDPOINT,
    hetznerUrl: env.IPFERRY_HETZNER_METADATA_URL,
  });
  log.info({ source: identity.source, ec2: identity.ec2 && { instanceId: identity.ec2.instanceId, eni: identity.ec2.eni }, hetzner: identity.hetzner && { serverId: identity.hetzner.serverId } }, `identity: ${identity.source}`);
  const host = await pickHostNet(options.hostNet, log);
  const transport = new HttpTransport({ url: heartbeatUrl(config), cluster: config.cluster, node: node.id });
  const metrics = new AgentMetrics();
  const agent = new Agent({ config, node, signer, hostNet: host.hostNet, hostNetKind: host.kind, transport, clock: systemClock, logger: log, gate: gateFor(identity), metrics });
  const ops = await startOpsServer({ listen: options.listen, metrics, status: () => agent.status(), logger: log });
  log.info({ listen: ops.address }, `metrics on http://${ops.address}/metrics, status on http://${ops.address}/status`);
  await agent.start();
  const signal = await stopSignal.wait();
  log.info({ signal }, `${signal}: stopping`);
  const report = await agent.stop({ graceful: true });
  await ops.close();
  return report.ok ? 0 : 1;
}

async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
  }
  const r = parseConfigText(text);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.config;
}

async function pickHostNet(choice: DaemonOptions['hostNet'], logger: Logger) {
  if (choice === 'linux') {
    logger.info('host network: linux (asked for with --hostnet linux)');
    return { hostNet: new LinuxHostNet({ logger: logger.child({ part: 'hostnet' }) }), kind: 'linux' };
  }
  const picked = await selectHostNet({ logger: logger.child({ part: 'hostnet' }), forceRecording: choice === 'recording' ? 'asked for with --hostnet recording' : undefined });
  return { hostNet: picked.hostNet, kind: picked.kind === 'linux' ? 'linux' : `recording (${picked.why})` };
}

/** On EC2, secondary IPs wait for IMDS to list them on our ENI; elsewhere nothing waits. */
function gateFor(identity: ResolvedIdentity): BindGate | undefined {
  const { imds, ec2 } = identity;
  if (!imds || !ec2) return undefined;
  return new SecondaryIpGate({ localIpv4s: () => imds.localIpv4s(ec2.mac), now: Date.now });
}

function processSignals(): StopSignal {
  return {
    wait: () =>
      new Promise((resolve) => {
        let seen: string | undefined;
        const on = (signal: NodeJS.Signals) => {
          if (seen) {
            process.stderr.write(`ipferry agent: ${signal} again while stopping after ${seen}; still stopping (bounded)\n`);
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
