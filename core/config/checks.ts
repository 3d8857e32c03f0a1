import { z } from 'zod';
import { duration, hostPort } from './primitives';

/**
 * Health checks, run by the agent on its own host. Each has an interval, a timeout and rise/fall
 * counts: a check turns healthy after `rise` successes in a row and unhealthy after `fall`
 * failures in a row, like keepalived's and HAProxy's.
 */
const timing = {
  interval: duration.default(2000),
  timeout: duration.default(1000),
  rise: z.number().int().min(1).max(100).default(2),
  fall: z.number().int().min(1).max(100).default(3),
};

const tcp = z.strictObject({ kind: z.literal('tcp'), target: hostPort, ...timing });

/** A PEM file of CA certificates to trust instead of the system store (services with a private CA). */
const ca = z.string().min(1).optional();

const http = z.strictObject({
  kind: z.enum(['http', 'https']),
  /** A full URL, e.g. http://127.0.0.1:8080/health */
  target: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  /** Accepted status codes; default any 2xx or 3xx. */
  expectStatus: z.array(z.number().int().min(100).max(599)).optional(),
  /** A substring the body must contain. */
  expectBody: z.string().optional(),
  /** Accept any certificate (self-signed services on localhost). */
  insecure: z.boolean().default(false),
  ca,
  ...timing,
});

const tls = z.strictObject({
  kind: z.literal('tls'),
  target: hostPort,
  servername: z.string().optional(),
  /** Report a warning (the check stays healthy) when the certificate expires within this time. */
  warnBefore: duration.default(14 * 24 * 3_600_000),
  insecure: z.boolean().default(false),
  ca,
  ...timing,
});

/** SMTP (220 banner, EHLO → 250), LMTP (LHLO), IMAP (* OK), POP3 (+OK). `tls` means implicit TLS (465, 993, 995). */
const mail = z.strictObject({
  kind: z.enum(['smtp', 'lmtp', 'imap', 'pop3']),
  target: hostPort,
  tls: z.boolean().default(false),
  insecure: z.boolean().default(false),
  ca,
  /** The name the certificate must carry when it differs from the target's host (checking 127.0.0.1:993). */
  servername: z.string().optional(),
  /** The name to greet with in EHLO/LHLO. */
  helo: z.string().default('ipferry.check'),
  ...timing,
});

const dns = z.strictObject({
  kind: z.literal('dns'),
  /** The DNS server to ask, "host:port". */
  target: hostPort,
  name: z.string().min(1),
  type: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV']).default('A'),
  /** Values that must be among the answers (e.g. addresses); any answer is enough when absent. */
  expect: z.array(z.string()).optional(),
  ...timing,
});

const exec = z.strictObject({
  kind: z.literal('exec'),
  /** argv, run without a shell: ["/usr/local/bin/check-queue", "--max", "500"]. Exit 0 is healthy. */
  command: z.array(z.string().min(1)).min(1),
  env: z.record(z.string(), z.string()).optional(),
  ...timing,
});

export const CheckSchema = z
  .discriminatedUnion('kind', [tcp, http, tls, mail, dns, exec])
  .refine((c) => c.timeout < c.interval, { message: 'timeout must be shorter than interval', path: ['timeout'] });

export type CheckSpec = z.output<typeof CheckSchema>;
export type CheckKind = CheckSpec['kind'];
