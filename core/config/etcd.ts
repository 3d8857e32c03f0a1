import { z } from 'zod';
import { duration } from './primitives';

/**
 * `control: { mode: etcd }`: the cluster's state lives in an etcd v3 cluster the operator already
 * runs (docs/etcd-mode.md). Agents reach it directly; liveness is each agent's etcd lease.
 */

/** The shortest lease etcd 3.4 keeps at its default timers: it raises any shorter TTL to 1.5 × --election-timeout (1 s), rounded up. */
export const ETCD_MIN_LEASE_SECONDS = 2;

const endpoint = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        !!u.hostname &&
        !!u.port &&
        u.pathname === '/' &&
        !u.search &&
        !u.hash &&
        !u.username
      );
    } catch {
      return false;
    }
  },
  { message: 'expected an etcd client URL with scheme, host and port and nothing else, like "https://10.0.0.5:2379"' },
);

/** Keys live under it: `<prefix><cluster>/…`. Printable ASCII, "/" at both ends. */
const keyPrefix = z.string().regex(/^\/([\x21-\x7e]*\/)?$/, {
  message: 'expected a key prefix of printable ASCII without spaces that starts and ends with "/", like "/ipferry/"',
});

const file = z.string().min(1);

export const EtcdControlSchema = z
  .strictObject({
    mode: z.literal('etcd'),
    /** The etcd members' client URLs; the agent spreads its calls and fails over among them. */
    endpoints: z.array(endpoint).min(1, { message: 'at least one etcd endpoint is needed' }),
    /** Where ipferry's keys live (default /ipferry/): `<prefix><cluster>/…`, so clusters can share an etcd. */
    prefix: keyPrefix.default('/ipferry/'),
    /** HTTPS endpoints: the CA that signed etcd's certificate, and this node's client certificate and key when etcd asks for one. */
    tls: z.strictObject({ caFile: file, certFile: file.optional(), keyFile: file.optional() }).optional(),
    /** etcd's own users (`etcdctl user add`): the password is read from a file, never written in the config. */
    auth: z.strictObject({ username: z.string().min(1).max(256), passwordFile: file }).optional(),
    lease: z
      .strictObject({
        /**
         * TTL of each agent's etcd lease: an agent not heard from for this long is dead. Default:
         * timers.deadAfter rounded up to whole seconds, at least 2 s (etcd's own minimum).
         */
        ttl: duration.optional(),
      })
      .prefault({}),
    /** The deadline of each call to etcd. */
    callTimeout: duration.default(2000),
  })
  .superRefine((c, ctx) => {
    const schemes = new Set(c.endpoints.map((e) => e.split(':')[0]));
    if (schemes.size > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints'],
        message: 'endpoints mix http and https: use one for all members',
      });
    if (c.tls && schemes.has('http'))
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls is set but the endpoints are http://: use https:// endpoints',
      });
    if (c.tls && !c.tls.certFile !== !c.tls.keyFile)
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'certFile and keyFile go together (a client certificate needs its key)',
      });
    if (c.lease.ttl !== undefined && c.lease.ttl < ETCD_MIN_LEASE_SECONDS * 1000)
      ctx.addIssue({
        code: 'custom',
        path: ['lease', 'ttl'],
        message: `an etcd lease lives at least ${ETCD_MIN_LEASE_SECONDS} s (etcd raises shorter TTLs to 1.5 × its election timeout); got ${c.lease.ttl} ms`,
      });
    if (c.callTimeout < 100 || c.callTimeout > 60_000)
      ctx.addIssue({ code: 'custom', path: ['callTimeout'], message: 'callTimeout must be between 100ms and 60s' });
  });

/** The node lease's TTL in whole seconds: the configured one, else deadAfter, rounded up, never under etcd's minimum. */
export function etcdLeaseSeconds(ttlMs: number | undefined, deadAfterMs: number): number {
  return Math.max(ETCD_MIN_LEASE_SECONDS, Math.ceil((ttlMs ?? deadAfterMs) / 1000));
}
