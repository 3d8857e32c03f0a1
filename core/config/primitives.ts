import { z } from 'zod';
import { parseDuration } from '../duration';
import { parseIp, parsePrefix } from '../ip';

/** "500ms", "1s", "2m", "1h" or a number of milliseconds; always milliseconds after parsing. */
export const duration = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like "500ms", "1s", "2m" or a number of milliseconds, got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'A duration: "500ms", "1s", "2m", "1h", or a number of milliseconds.' });

/** Names of nodes, checks and VIPs: safe in logs, file names, DynamoDB keys and shell-free argv. */
export const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/, {
  message: 'expected a name of letters, digits, ".", "_", ":" or "-" (at most 63, starting with a letter or digit)',
});

export const ipAddress = z.string().refine((s) => parseIp(s) !== undefined, {
  message: 'expected an IPv4 or IPv6 address',
});

export const prefix = z.string().refine((s) => parsePrefix(s) !== undefined, {
  message: 'expected an address with an optional prefix length, like "198.18.0.50/24" or "2001:db8::5/64"',
});

/** "host:port" or "[v6]:port". */
export const hostPort = z.string().refine((s) => splitHostPort(s) !== undefined, {
  message: 'expected "host:port" (IPv6 as "[::1]:25")',
});

export function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

export const positiveInt = z.number().int().positive();
