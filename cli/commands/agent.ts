import { ConfigError } from '../../core/config';
import type { IdentitySource } from '../../agent/identity';
import { parse, usageError, type Command } from '../command';
import { ago } from '../table';
import { printConfigError } from '../config-file';
import { termSafe as t } from '../terminal-text';
import { peerStatusLines, type PeerStatusView } from '../peer-status-text';

const USAGE = `usage: ipferry agent --config FILE --node ID [options]
       ipferry agent status [--metrics HOST:PORT] [--json]
       ipferry agent reload [--metrics HOST:PORT] [--pid PID]

Runs this host's agent: health checks, a signed heartbeat every interval, and the host plumbing
(ip addr, gratuitous ARP / unsolicited NA, hooks) for the VIPs the control plane assigns it.
SIGTERM or SIGINT stops it gracefully: a leaving heartbeat, VIPs unbound, down hooks run.
SIGHUP (or \`ipferry agent reload\`, which waits and prints the outcome) rereads --config in place:
VIPs whose placement does not change stay bound; a file that does not load changes nothing.

  --config FILE        the cluster config
  --node ID            which node this host is
  --key FILE           the node's Ed25519 private key (PEM), when the cluster signs with ed25519
  --metrics HOST:PORT  /metrics and /status (default 127.0.0.1:9477); peer mode's operations too
  --ops-token FILE     peer mode: where to write the operations token (default /run/ipferry/ops.token)
  --hostnet MODE       auto (real with CAP_NET_ADMIN+CAP_NET_RAW, else refuse), linux, recording (default auto)
  --identity SOURCE    auto, config, ec2, hetzner: where to confirm who this host is (default auto)
  --log-level LEVEL    pino level (default info, or $IPFERRY_LOG_LEVEL)

Metadata endpoints can be moved (tests, proxies) with AWS_EC2_METADATA_SERVICE_ENDPOINT and
IPFERRY_HETZNER_METADATA_URL.`;

const DEFAULT_LISTEN = '127.0.0.1:9477';

export const agent: Command = {
  async run(argv) {
    if (argv[0] === 'status') return status(argv.slice(1));
    if (argv[0] === 'reload') return (await import('../agent-reload')).agentReload(argv.slice(1), DEFAULT_LISTEN);
    const args = parse(argv, {
      usage: USAGE,
      options: {
        config: { type: 'string' },
        node: { type: 'string' },
        key: { type: 'string' },
        metrics: { type: 'string' },
        'ops-token': { type: 'string' },
        hostnet: { type: 'string' },
        identity: { type: 'string' },
        'log-level': { type: 'string' },
      },
      positionals: { max: 0 },
    });
    if (typeof args === 'number') return args;
    const v = args.values;
    const hostNet = v.hostnet ?? 'auto';
    const identity = v.identity ?? 'auto';
    const problem =
      !v.config || !v.node
        ? '--config and --node are required'
        : !['auto', 'linux', 'recording'].includes(hostNet)
          ? `--hostnet must be auto, linux or recording, not "${hostNet}"`
          : !['auto', 'config', 'ec2', 'hetzner'].includes(identity)
            ? `--identity must be auto, config, ec2 or hetzner, not "${identity}"`
            : undefined;
    if (problem) {
      return usageError(USAGE, problem);
    }
    // Loaded here, not at the top: the other commands have no use for the agent's modules.
    const { runDaemon } = await import('../../agent/daemon');
    try {
      return await runDaemon({
        configFile: v.config!,
        nodeId: v.node!,
        keyFile: v.key,
        listen: v.metrics ?? DEFAULT_LISTEN,
        hostNet: hostNet as 'auto' | 'linux' | 'recording',
        identity: identity as IdentitySource,
        ...(v['ops-token'] ? { opsTokenFile: v['ops-token'] } : {}),
        logLevel: v['log-level'],
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      printConfigError(v.config!, err);
      return 1;
    }
  },
};

async function status(argv: string[]): Promise<number> {
  const args = parse(argv, {
    usage: USAGE,
    options: { metrics: { type: 'string' }, json: { type: 'boolean' } },
    positionals: { max: 0 },
  });
  if (typeof args === 'number') return args;
  const listen = args.values.metrics ?? DEFAULT_LISTEN;
  const { parseListen } = await import('../../agent/ops/ops-server');
  const { host, port } = parseListen(listen);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/status`;
  let body: AgentStatusView;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as AgentStatusView;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    console.error(
      `ipferry agent status: no agent answered on ${url} (${t(e.cause?.code ?? e.message)}); is it running, with --metrics ${listen}?`,
    );
    return 1;
  }
  if (args.values.json) console.log(JSON.stringify(body));
  else console.log(formatAgentStatus(body));
  return 0;
}

/** The parts of the agent's /status that the text view prints. */
export interface AgentStatusView {
  cluster: string;
  node: string;
  hostNet: string;
  configDigest?: string;
  /** Peer mode: quorum, peers, diagnoses (shown instead of the control plane). */
  peer?: PeerStatusView;
  controlPlane: {
    target: string;
    reachable: boolean;
    lost: boolean;
    lastAnswerAt?: number;
    lastRttMs?: number;
    consecutiveFailures: number;
    lastFailure?: { reason: string; message: string };
  };
  held: Array<{ vip: string; epoch: number | null }>;
  vips: Array<{ name: string; address: string; state: string; owned?: number; detail?: string }>;
  checks: Record<string, { ok: boolean; detail: string; latencyMs: number }>;
  hooks?: {
    runs: number;
    failures: number;
    recent: Array<{ vip: string; hook: string; reason: string; error: string; at: number }>;
  };
}

/** Every field is the agent's word over HTTP (hook and check output included): escaped, bounded. */
export function formatAgentStatus(s: AgentStatusView, now = Date.now()): string {
  const cp = s.controlPlane ?? { target: '?', reachable: false, lost: false, consecutiveFailures: 0 };
  const lines = [`node ${t(s.node)} in cluster ${t(s.cluster)} (host network: ${t(s.hostNet)})`];
  const last =
    typeof cp.lastAnswerAt === 'number'
      ? `last answer ${ago(now - cp.lastAnswerAt)}, rtt ${t(cp.lastRttMs)} ms`
      : 'no answer yet';
  const failure = cp.lastFailure ? `, ${t(cp.lastFailure.reason)}: ${t(cp.lastFailure.message)}` : '';
  if (s.peer) lines.push(...peerStatusLines(s.peer, s.configDigest));
  else
    lines.push(
      `control plane ${t(cp.target)}: ${cp.reachable ? 'reachable' : `unreachable (${t(cp.consecutiveFailures)} failures${failure})`}; ${last}${cp.lost ? '; LOST (onControlLoss applies)' : ''}`,
    );
  const held = s.held ?? [];
  lines.push(`held: ${held.length === 0 ? 'none' : held.map((h) => `${t(h.vip)}@${t(h.epoch ?? '?')}`).join(', ')}`);
  for (const v of s.vips ?? [])
    lines.push(
      `  vip ${t(v.name).padEnd(16)} ${t(v.address).padEnd(22)} ${t(v.state)}${v.owned !== undefined ? ` epoch ${t(v.owned)}` : ''}${v.detail ? ` — ${t(v.detail)}` : ''}`,
    );
  for (const [name, c] of Object.entries(s.checks ?? {}))
    lines.push(`  check ${t(name).padEnd(14)} ${c.ok ? 'ok  ' : 'FAIL'} ${t(c.latencyMs)} ms ${t(c.detail)}`);
  lines.push(...hookLines(s.hooks, now));
  return lines.join('\n');
}

/** Hook runs and failures, and the latest three failures (timeouts included) with their reasons. */
function hookLines(h: AgentStatusView['hooks'], now: number): string[] {
  if (!h) return [];
  const lines = [`hooks: ${t(h.runs)} runs, ${t(h.failures)} failed`];
  for (const f of (h.recent ?? []).slice(-3))
    lines.push(
      `  hook ${t(f.hook)} of ${t(f.vip)} FAILED (${t(f.reason)}) ${typeof f.at === 'number' ? ago(now - f.at) : '?'}: ${t(f.error)}`,
    );
  return lines;
}
