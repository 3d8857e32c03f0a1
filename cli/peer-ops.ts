import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConfigError } from '../core/config';
import type { ControlEvent } from '../core/ports';
import type { PeerClusterStatus } from '../agent/peer/ops-status';
import { DEFAULT_OPS_TOKEN_FILE } from '../agent/ops/ops-token';
import { parseListen } from '../agent/ops/ops-server';
import { printConfigError, readConfigFile } from './config-file';
import { formatEvents } from './control-format';
import { table, ago } from './table';
import { termSafe } from './terminal-text';

/** Flags of the commands that, in peer mode, talk to the local agent instead of a control plane. */
export const PEER_FLAGS = { agent: { type: 'string' }, 'ops-token': { type: 'string' } } as const;

export const PEER_FLAGS_USAGE = `  --agent HOST:PORT  peer mode: the local agent's ops server (its --metrics, default 127.0.0.1:9477)
  --ops-token FILE   peer mode: the agent's operations token (default ${DEFAULT_OPS_TOKEN_FILE}; root or the agent's user)`;

interface PeerValues {
  config?: string;
  agent?: string;
  'ops-token'?: string;
  json?: boolean;
}

/**
 * In peer mode there is no control plane: the command goes to this host's agent, which carries the
 * operation to its peers in its signed heartbeats (docs/peer-mode.md, "Operations"). Undefined when
 * the config is not peer mode (the caller goes on to the control plane's API).
 */
export async function viaLocalAgent(
  values: PeerValues,
  call: { method: 'GET' | 'POST'; path: string; body?: Record<string, unknown> },
  render: (body: Record<string, unknown>) => string,
): Promise<number | undefined> {
  if (!values.config) return undefined;
  let mode: string;
  try {
    mode = (await readConfigFile(values.config)).control.mode;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    printConfigError(values.config, err);
    return 1;
  }
  if (mode !== 'peer') return undefined;
  let listen;
  try {
    listen = parseListen(values.agent ?? '127.0.0.1:9477');
  } catch (err) {
    console.error(`ipferry: --agent: ${(err as Error).message}`);
    return 2;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (call.method === 'POST') {
    const file = values['ops-token'] ?? DEFAULT_OPS_TOKEN_FILE;
    try {
      headers.authorization = `Bearer ${(await readFile(file, 'utf8')).trim()}`;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      console.error(
        `ipferry: cannot read the agent's operations token ${termSafe(file)} (${termSafe(e.code ?? e.message)}): run as root or as the agent's user`,
      );
      return 1;
    }
  }
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const url = `http://${host}:${listen.port}/v1/${call.path}`;
  const body = call.body ? JSON.stringify({ ...call.body, by: who() }) : undefined;
  let status: number;
  let answer: Record<string, unknown>;
  try {
    const res = await fetch(url, { method: call.method, headers, body, signal: AbortSignal.timeout(5000) });
    status = res.status;
    answer = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    console.error(`ipferry: the local agent did not answer on ${url} (${termSafe(e.cause?.code ?? e.message)})`);
    return 1;
  }
  if (values.json) console.log(JSON.stringify(answer, null, 2));
  else if (status === 200) console.log(render(answer));
  if (status !== 200) console.error(`ipferry: the agent refused (${status}): ${termSafe(answer.error)}`);
  return status === 200 ? 0 : 1;
}

function who(): string | undefined {
  try {
    return userInfo().username.slice(0, 64);
  } catch {
    return undefined;
  }
}

interface PeerMove {
  vip: string;
  from: string | null;
  to: string | null;
  epoch: number;
  reason: string;
}

/** What a drain, undrain, move or unpin did: its event and the moves it starts. */
export function formatPeerOp(b: Record<string, unknown>): string {
  const event = b.event as ControlEvent | undefined;
  const moves = (b.moves as PeerMove[] | undefined) ?? [];
  const head =
    b.wasPinned === false ? `${termSafe(b.vip)} was not pinned; nothing changed` : termSafe(event?.detail ?? '');
  const lines = moves.map(
    (m) =>
      `${termSafe(m.vip)} ${termSafe(m.from ?? '-')}→${termSafe(m.to ?? '-')} epoch ${termSafe(m.epoch)} (${termSafe(m.reason)}): decided; the peers apply it`,
  );
  return [head, ...lines].join('\n');
}

export function formatPeerStatus(s: PeerClusterStatus): string {
  const q = s.quorum ? `${s.quorum.heard}/${s.quorum.needed} ${s.quorum.ok ? 'ok' : 'LOST'}` : 'not yet';
  const parts = [
    `peer cluster ${termSafe(s.cluster)}, as ${termSafe(s.node)} sees it (quorum ${q}; drained: ${termSafe(s.drained.join(', ') || 'none')})`,
    '',
    table(
      ['NODE', 'ALIVE', 'SEEN', 'CONFIG', 'OPS', 'DRAINED (AS IT SEES)', 'HOLDS'],
      s.nodes.map((n) => [
        `${n.node}${n.self ? ' (here)' : ''}${n.draining ? ' [draining]' : ''}`,
        n.alive ? 'yes' : 'no',
        ago(n.lastSeenMsAgo),
        n.configDigest ?? '-',
        n.opsDigest ?? '-',
        n.drainedAsItSees?.join(', ') || '-',
        n.held.join(', ') || '-',
      ]),
    ),
    '',
    table(
      ['VIP', 'OWNER (HERE)', 'HELD BY', 'REASON', 'PINNED'],
      s.vips.map((v) => [
        v.vip,
        v.owner ?? '-',
        v.holders.join(', ') || '-',
        v.reason ?? '',
        v.pinned ? `${v.pinned.node}: ${v.pinned.reason}` : '',
      ]),
    ),
  ];
  if (s.disagreements.length > 0) parts.push('', 'views disagree:', ...s.disagreements.map((d) => `  ${termSafe(d)}`));
  return parts.join('\n');
}

export function formatPeerEvents(b: Record<string, unknown>): string {
  return formatEvents(b as unknown as { events: ControlEvent[]; next?: string });
}
