import { createHash } from 'node:crypto';
import type { Config } from './model';

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * A short digest of everything that affects decisions. Nodes send it in heartbeats; when two nodes
 * disagree, decide() marks the cluster `unsafe` (Momentum's UNSAFE). Secrets are left out so the
 * digest can be logged, and the API token too: it is the operator's, agents never use it, and with
 * it in the digest every agent's config had to carry it (a copy of the token on every host).
 */
export function configDigest(config: Config): string {
  const { security, control, ...rest } = config;
  const { psk: _psk, ...publicSecurity } = security;
  const { apiToken: _token, ...publicControl } = control as typeof control & { apiToken?: string };
  return createHash('sha256')
    .update(canonicalJson({ ...rest, control: publicControl, security: publicSecurity }))
    .digest('hex')
    .slice(0, 16);
}
