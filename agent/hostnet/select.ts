import pino, { type Logger } from 'pino';
import type { HostNet } from '../../core/ports';
import { execFileRunner, type CommandRunner } from './command';
import { LinuxHostNet } from './linux';
import { RecordingHostNet } from './recording';

export interface HostNetChoice {
  hostNet: HostNet;
  kind: 'linux' | 'recording';
  /** Why this one: "root and iproute2 6.1.0 found", "not root", "ip not found: …". */
  why: string;
}

export interface SelectHostNetOptions {
  logger?: Logger;
  run?: CommandRunner;
  /** Defaults to `process.getuid() === 0`. */
  isRoot?: () => boolean;
  /** Ask for the recording one whatever the host could do (the demo's --dry-run). */
  forceRecording?: string;
  now?: () => number;
}

/**
 * The real host plumbing when this process may change addresses (root) and iproute2 answers;
 * otherwise the recording one, which applies nothing. Logs which, and why, once.
 */
export async function selectHostNet(options: SelectHostNetOptions = {}): Promise<HostNetChoice> {
  const logger = options.logger ?? pino({ name: 'hostnet' });
  const run = options.run ?? execFileRunner;
  const choice = await choose(run, options);
  const hostNet =
    choice.kind === 'linux' ? new LinuxHostNet({ run, logger }) : new RecordingHostNet({ reason: choice.why, now: options.now });
  const how = choice.kind === 'linux' ? 'applied with ip and arping' : 'recorded, not applied';
  logger.info({ hostNet: choice.kind, why: choice.why }, `host network: ${choice.kind} (${how}: ${choice.why})`);
  return { hostNet, ...choice };
}

async function choose(run: CommandRunner, options: SelectHostNetOptions): Promise<Omit<HostNetChoice, 'hostNet'>> {
  if (options.forceRecording) return { kind: 'recording', why: options.forceRecording };
  const isRoot = options.isRoot ?? (() => process.getuid?.() === 0);
  if (!isRoot()) return { kind: 'recording', why: 'not root' };
  try {
    const { code, stdout, stderr } = await run('ip', ['-V'], { timeoutMs: 2000 });
    if (code !== 0) return { kind: 'recording', why: `ip -V failed: ${(stderr || stdout).trim()}` };
    const version = /iproute2-([\w.-]+)/.exec(stdout)?.[1];
    return { kind: 'linux', why: `root and iproute2 ${version ?? '(version unknown)'} found` };
  } catch (err) {
    return { kind: 'recording', why: `ip not found: ${(err as Error).message}` };
  }
}
