import { readFileSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { HostNet } from '../../core/ports';
import { execFileRunner, type CommandRunner } from './command';
import { HostNetError } from './errors';
import { LinuxHostNet } from './linux';
import { RecordingHostNet } from './recording';

export interface HostNetChoice {
  hostNet: HostNet;
  kind: 'linux' | 'recording';
  /** Why this one: "CAP_NET_ADMIN and CAP_NET_RAW effective (uid 0), iproute2 6.1.0 found", "asked for with --hostnet recording". */
  why: string;
}

export interface SelectHostNetOptions {
  logger?: Logger;
  run?: CommandRunner;
  /**
   * The process's effective capability set, as /proc/self/status's CapEff (a hex mask), or an
   * Error saying why it could not be read. Defaults to reading /proc/self/status.
   */
  capabilities?: () => bigint | Error;
  /** Ask for the recording one whatever the host could do (--hostnet recording, the demo's --dry-run). */
  forceRecording?: string;
  now?: () => number;
}

/** linux/capability.h: changing addresses needs the first, arping and the NA sender the second. */
export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
const NEEDED = [
  { bit: CAP_NET_ADMIN, name: 'CAP_NET_ADMIN', for: 'ip addr add/del' },
  { bit: CAP_NET_RAW, name: 'CAP_NET_RAW', for: 'arping and neighbour advertisements' },
] as const;

/**
 * The real host plumbing when this process may change addresses and send raw packets — judged by
 * its effective capabilities, not its uid: an unprivileged agent with CAP_NET_ADMIN and
 * CAP_NET_RAW (the systemd unit's way) plumbs as well as root, and root in a container without
 * them cannot. The recording one only when asked for: an agent that recorded while its peers took
 * it for a holder would claim VIPs no host answers for, so `auto` without the capabilities
 * refuses (HostNetError, `forbidden`) and says what to grant. Logs which, and why, once.
 */
export async function selectHostNet(options: SelectHostNetOptions = {}): Promise<HostNetChoice> {
  const logger = options.logger ?? pino({ name: 'hostnet' });
  const run = options.run ?? execFileRunner;
  const choice = await choose(run, options).catch((err: unknown) => {
    logger.error({ hostNet: 'none', why: (err as Error).message }, (err as Error).message);
    throw err;
  });
  const hostNet =
    choice.kind === 'linux'
      ? new LinuxHostNet({ run, logger })
      : new RecordingHostNet({ reason: choice.why, now: options.now });
  const how = choice.kind === 'linux' ? 'applied with ip and arping' : 'recorded, not applied';
  logger.info({ hostNet: choice.kind, why: choice.why }, `host network: ${choice.kind} (${how}: ${choice.why})`);
  return { hostNet, ...choice };
}

async function choose(run: CommandRunner, options: SelectHostNetOptions): Promise<Omit<HostNetChoice, 'hostNet'>> {
  if (options.forceRecording) return { kind: 'recording', why: options.forceRecording };
  const caps = (options.capabilities ?? effectiveCapabilities)();
  const uid = `uid ${process.getuid?.() ?? 'unknown'}`;
  if (caps instanceof Error) throw refusal(`cannot read this process's capabilities (${caps.message})`);
  const missing = NEEDED.filter((c) => (caps & (1n << BigInt(c.bit))) === 0n);
  if (missing.length > 0) {
    const what = missing.map((c) => `${c.name} (${c.for})`).join(' and ');
    throw refusal(`this process (${uid}) lacks ${what}`);
  }
  const have = `CAP_NET_ADMIN and CAP_NET_RAW effective (${uid})`;
  try {
    const { code, stdout, stderr } = await run('ip', ['-V'], { timeoutMs: 2000 });
    if (code !== 0) throw refusal(`${have}, but ip -V failed: ${(stderr || stdout).trim()}`);
    const version = /iproute2-([\w.-]+)/.exec(stdout)?.[1];
    return { kind: 'linux', why: `${have}, iproute2 ${version ?? '(version unknown)'} found` };
  } catch (err) {
    if (err instanceof HostNetError) throw err;
    throw refusal(`${have}, but ip could not run: ${(err as Error).message}`);
  }
}

function refusal(why: string): HostNetError {
  return new HostNetError(
    'forbidden',
    `--hostnet auto: cannot plumb addresses: ${why}. Run as root or grant CAP_NET_ADMIN and CAP_NET_RAW ` +
      '(systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW), or ask for --hostnet recording to only record',
  );
}

/** CapEff from /proc/self/status: the capabilities this process can use now. */
export function effectiveCapabilities(statusText?: string): bigint | Error {
  let text = statusText;
  try {
    text ??= readFileSync('/proc/self/status', 'utf8');
  } catch (err) {
    return new Error(`/proc/self/status: ${(err as Error).message}`);
  }
  const hex = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(text)?.[1];
  return hex === undefined ? new Error('no CapEff line in /proc/self/status') : BigInt(`0x${hex}`);
}
