import { z } from 'zod';
import type { Config } from '../config/model';
import { hmacSha256, publicKeyFrom, verifyEd25519, verifyHmac, type Signer } from './keys';
import { HeartbeatSchema, type Heartbeat, type HeartbeatInput } from './message';

/**
 * On the wire a heartbeat is `{"alg","payload","sig"}` where `payload` is the heartbeat's JSON
 * text and `sig` signs exactly those bytes, so no canonical form is needed to verify it.
 */
const EnvelopeSchema = z.strictObject({
  alg: z.enum(['ed25519', 'hmac-sha256']),
  payload: z.string(),
  sig: z.string().max(200),
});

export function sealHeartbeat(hb: HeartbeatInput, signer: Signer): string {
  const payload = JSON.stringify(hb);
  return JSON.stringify({ alg: signer.alg, payload, sig: signer.sign(Buffer.from(payload, 'utf8')) });
}

/** What the receiver remembers per node to refuse replays. */
export interface ReplayGuard {
  bootId: string;
  seq: number;
  sentAt: number;
}

export const REFUSAL_REASONS = [
  'too-large',
  'malformed',
  'wrong-algorithm',
  'unknown-node',
  'bad-signature',
  'wrong-cluster',
  'stale',
  'future',
  'replayed',
  'wrong-channel',
  'out-of-ring',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type Verdict =
  { ok: true; heartbeat: Heartbeat; guard: ReplayGuard } | { ok: false; reason: RefusalReason; message: string };

export interface HeartbeatVerifier {
  /** Checks everything in order; a refusal says why. Pure: `now` and the last guard come in. */
  verify(body: string | Buffer, now: number, lastGuard: (node: string) => ReplayGuard | undefined): Verdict;
}

/**
 * Builds a verifier for a cluster once (public keys parsed up front). Order: size, envelope,
 * algorithm, node known, signature, schema, cluster, time window, sequence — so nothing an
 * unauthenticated sender wrote is interpreted beyond finding which key to check.
 */
export function heartbeatVerifier(config: Config, secrets: { psk?: string } = {}): HeartbeatVerifier {
  const alg = config.security.signing;
  const keys = new Map(config.nodes.flatMap((n) => (n.publicKey ? [[n.id, publicKeyFrom(n.publicKey)] as const] : [])));
  const psk = secrets.psk ?? config.security.psk;
  if (alg === 'hmac-sha256' && !psk) throw new Error('hmac-sha256 signing needs the pre-shared key');
  const mac = psk ? hmacSha256(psk) : undefined;
  const known = new Set(config.nodes.map((n) => n.id));
  const { maxHeartbeatBytes, clockSkew } = config.security;
  const refuse = (reason: RefusalReason, message: string): Verdict => ({ ok: false, reason, message });
  const lastValid = new Map<string, { raw: unknown; heartbeat: Heartbeat }>();

  return {
    verify(body, now, lastGuard) {
      const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      if (size > maxHeartbeatBytes) return refuse('too-large', `${size} bytes > ${maxHeartbeatBytes}`);
      const env = EnvelopeSchema.safeParse(parseJson(body));
      if (!env.success) return refuse('malformed', 'not a heartbeat envelope {alg, payload, sig}');
      if (env.data.alg !== alg) return refuse('wrong-algorithm', `signed with ${env.data.alg}, cluster uses ${alg}`);
      const raw = parseJson(env.data.payload);
      const node = typeof raw === 'object' && raw !== null ? (raw as { node?: unknown }).node : undefined;
      // Unsigned, so the attacker's: at most 64 characters, JSON-escaped, reach the WARN line and the answer.
      if (typeof node !== 'string' || !known.has(node))
        return refuse(
          'unknown-node',
          `node ${typeof node === 'string' ? JSON.stringify(node.slice(0, 64)) + (node.length > 64 ? ` (${node.length} characters, cut)` : '') : `(${typeof node})`} is not in the config`,
        );
      const data = Buffer.from(env.data.payload, 'utf8');
      const good =
        alg === 'ed25519'
          ? !!keys.get(node) && verifyEd25519(keys.get(node)!, data, env.data.sig)
          : verifyHmac(mac!, data, env.data.sig);
      if (!good) return refuse('bad-signature', `signature does not verify for ${node}`);
      let hb = repeated(lastValid.get(node), raw);
      if (!hb) {
        const parsed = HeartbeatSchema.safeParse(raw);
        if (!parsed.success) {
          const first = parsed.error.issues[0]!;
          return refuse('malformed', `${first.path.join('.') || '(root)'}: ${first.message}`);
        }
        hb = parsed.data;
        lastValid.set(node, { raw, heartbeat: hb });
      }
      if (hb.cluster !== config.cluster)
        return refuse('wrong-cluster', `for cluster ${hb.cluster}, this is ${config.cluster}`);
      if (hb.sentAt < now - clockSkew) return refuse('stale', `sent ${now - hb.sentAt}ms ago (window ${clockSkew}ms)`);
      if (hb.sentAt > now + clockSkew)
        return refuse('future', `sent ${hb.sentAt - now}ms in the future (window ${clockSkew}ms)`);
      const last = lastGuard(node);
      if (last) {
        if (last.bootId === hb.bootId && hb.seq <= last.seq)
          return refuse('replayed', `seq ${hb.seq} ≤ last ${last.seq} for boot ${hb.bootId}`);
        // A new boot must be newer than the last one seen, or an old boot's heartbeat could be replayed.
        if (last.bootId !== hb.bootId && hb.sentAt <= last.sentAt)
          return refuse('replayed', `boot ${hb.bootId} is older than boot ${last.bootId}`);
      }
      // The guard keeps sentAt no later than our own clock: a new boot must be newer than it, and a
      // forged boot dated ahead (within the skew) would otherwise make the real node's heartbeats
      // "older" — and refused as replayed — until our clock caught up with the forgery.
      return { ok: true, heartbeat: hb, guard: { bootId: hb.bootId, seq: hb.seq, sentAt: Math.min(hb.sentAt, now) } };
    },
  };
}

/**
 * The schema's verdict on a node's last heartbeat, for one that repeats it: while nothing happens
 * a node's heartbeats differ only in seq and sentAt, and in peer mode every agent checks ten of
 * them a second, where the schema cost more than the signature. Those two fields are checked here
 * as the schema checks them; anything else that differs goes through the schema.
 */
function repeated(last: { raw: unknown; heartbeat: Heartbeat } | undefined, raw: unknown): Heartbeat | undefined {
  if (!last || !isPlainObject(raw) || !isPlainObject(last.raw)) return undefined;
  const { seq, sentAt } = raw;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0 || !Number.isSafeInteger(sentAt) || (sentAt as number) <= 0)
    return undefined;
  if (!sameJson({ ...raw, seq: 0, sentAt: 0 }, { ...last.raw, seq: 0, sentAt: 0 })) return undefined;
  return { ...last.heartbeat, seq: seq as number, sentAt: sentAt as number };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of two values that came out of JSON.parse. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every(
    (k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function parseJson(body: string | Buffer): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
}
