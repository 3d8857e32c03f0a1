import type { FailureReason } from '../../core/reasons';
import type { CommandResult } from './command';
import { firstLine } from './command';

/** A host network operation that failed, classified, with the command and what it printed. */
export class HostNetError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    readonly details: { command?: string; code?: number; stderr?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HostNetError';
  }
}

/**
 * What iproute2 said, by kind. Both spellings are listed because the kernel's extended ack
 * ("Error: ipv4: Address already assigned.", kernels ≥ 5.x with a recent iproute2) replaced the
 * plain errno text ("RTNETLINK answers: File exists") that older pairs print.
 */
const ALREADY_PRESENT = [/RTNETLINK answers: File exists/, /Error: ipv[46]: (?:A|a)ddress already assigned/];
const ALREADY_ABSENT = [
  /RTNETLINK answers: Cannot assign requested address/,
  /Error: ipv[46]: (?:A|a)ddress not found/,
];
const NO_DEVICE = [/Cannot find device/, /Device ".*" does not exist/, /Device \S+ not available/, /No such device/];
/** arping and the NA sender bind to the address they announce: refused when this host does not hold it. */
const NOT_LOCAL = [/Cannot assign requested address/];
const NOT_PERMITTED = [/Operation not permitted/, /Permission denied/];
const BAD_INPUT = [
  /any valid prefix is expected/,
  /(?:inet|an) (?:prefix|address) is expected/,
  /Invalid argument/,
  /invalid/i,
];

const matches = (patterns: RegExp[], text: string) => patterns.some((p) => p.test(text));

export function saysAlreadyPresent(stderr: string): boolean {
  return matches(ALREADY_PRESENT, stderr);
}

export function saysAlreadyAbsent(stderr: string): boolean {
  return matches(ALREADY_ABSENT, stderr);
}

/** Classifies a failed tool run (ip, arping, NA sender) into a reason the control loop understands. */
export function classifyToolFailure(stderr: string): FailureReason {
  if (matches(NO_DEVICE, stderr)) return 'not-found';
  if (matches(NOT_PERMITTED, stderr)) return 'forbidden';
  if (matches(NOT_LOCAL, stderr)) return 'conflict';
  if (matches(BAD_INPUT, stderr)) return 'invalid';
  return 'transient';
}

/** A HostNetError for a command that exited non-zero: "<what>: <first line of stderr> (<command>, exit N)". */
export function toolError(what: string, command: string, result: CommandResult): HostNetError {
  const said = firstLine(result.stderr) || firstLine(result.stdout) || '(no output)';
  return new HostNetError(classifyToolFailure(result.stderr), `${what}: ${said} (${command}, exit ${result.code})`, {
    command,
    code: result.code,
    stderr: result.stderr,
  });
}
