import { z } from 'zod';
import { parseIp } from '../../../core/ip';
import { identifier } from '../../../core/config/primitives';
import type { HookFailureReason } from '../exec-hook';

/**
 * What the agent asks the hook helper over its Unix socket, and what it answers: one JSON line
 * each way. The helper runs as root, so every request is hostile input: at most MAX_REQUEST bytes,
 * no field it does not know, each value of a shape that cannot become an option, a path or a
 * second argument (no leading "-", no "/", no whitespace), and the command only a name.
 */
export const MAX_REQUEST = 4096;
/** Longest a reply gets: the captured output is cut to fit well within it. */
export const MAX_REPLY = 16 * 1024;

// Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no "/", no whitespace; we allow the
// characters real ones use (eth0, ens3.100, br-lan, bond0:1, veth@if2) and no leading "-".
const IFACE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14}$/;

export const HelperRequestSchema = z.strictObject({
  v: z.literal(1),
  /** An allow-list entry's name. */
  command: identifier,
  vip: identifier,
  /** The VIP's address, without prefix: only what parseIp reads as an address passes. */
  address: z
    .string()
    .max(64)
    .refine((s) => parseIp(s) !== undefined, { message: 'expected an IP address' }),
  interface: z.string().regex(IFACE, { message: 'expected an interface name (at most 15 characters)' }),
  state: z.enum(['up', 'down', 'fault']),
  node: identifier,
  epoch: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** The agent's deadline for this run: the helper stops the command at this or its entry's timeout, the sooner. */
  timeoutMs: z.number().int().positive().max(3_600_000),
});
export type HelperRequest = z.output<typeof HelperRequestSchema>;

export type HelperReply =
  | { ok: true; ms: number; output: string }
  | { ok: false; ms: number; reason: HookFailureReason; error: string; output?: string };

const ReplySchema = z.union([
  z.strictObject({ ok: z.literal(true), ms: z.number().nonnegative(), output: z.string().max(MAX_REPLY) }),
  z.strictObject({
    ok: z.literal(false),
    ms: z.number().nonnegative(),
    reason: z.enum(['timeout', 'exit', 'signal', 'output', 'not-run', 'refused']),
    error: z.string().max(MAX_REPLY),
    output: z.string().max(MAX_REPLY).optional(),
  }),
]);

/** The request in a line, or why it is refused (the first problem, with its field). */
export function parseRequest(line: string): { ok: true; request: HelperRequest } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: 'the request is not JSON' };
  }
  const parsed = HelperRequestSchema.safeParse(json);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : 'request';
  return { ok: false, error: `${where}: ${issue.message}` };
}

/** The helper's answer, checked as the agent reads it (a helper of another version, a broken socket). */
export function parseReply(line: string): HelperReply | undefined {
  try {
    const parsed = ReplySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
