import { z } from 'zod';
import { identifier } from '../config/primitives';

/**
 * An operator's operation as peers carry it in their heartbeats (docs/peer-mode.md, "Operations").
 * Each is signed by the node whose agent the operator asked (`issuer`), so any peer may relay it
 * and none can change it; `t` is a Lamport stamp, and per key (`drain:NODE`, `pin:VIP`) the op with
 * the highest (t, issuer) wins on every node alike.
 */
export const PeerOpSchema = z.strictObject({
  kind: z.enum(['drain', 'pin']),
  /** drain: the node; pin: the VIP. */
  target: identifier,
  /** drain: draining (false: undrain); pin: pinned (false: unpin). */
  on: z.boolean(),
  /** pin on: the node the VIP is moved to and pinned on. */
  node: identifier.optional(),
  /** Why (required for a pin), for the event and status: as a manual move's reason, at most 300 characters. */
  reason: z.string().max(300).optional(),
  /** Who asked (the local user name the CLI sent), at most 64 characters. */
  by: z.string().max(64).optional(),
  /** The issuer's wall clock when it was asked: for events only, never for ordering. */
  at: z.number().int().positive().max(8.64e15),
  /** Lamport stamp: one above the highest the issuer had seen. */
  t: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  issuer: identifier,
  sig: z.string().max(200),
});

export type PeerOp = z.output<typeof PeerOpSchema>;

/** The most operations one heartbeat may carry; a cluster needs at most one per node and one per VIP. */
export const MAX_PEER_OPS = 1024;

export const PeerOpsSchema = z.array(PeerOpSchema).max(MAX_PEER_OPS);

/** The key newer operations replace older ones under. */
export function opKey(op: Pick<PeerOp, 'kind' | 'target'>): string {
  return `${op.kind}:${op.target}`;
}

/** The exact bytes an operation's signature covers: the cluster first, so one cluster's op is nothing to another. */
export function opSigningBytes(cluster: string, op: Omit<PeerOp, 'sig'>): Buffer {
  const fields = [
    'ipferry-peer-op/1',
    cluster,
    op.kind,
    op.target,
    op.on,
    op.node ?? null,
    op.reason ?? null,
    op.by ?? null,
    op.at,
    op.t,
    op.issuer,
  ];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

/** Positive when `a` is newer than `b`: the higher stamp, then the higher issuer id (a fixed tie-break). */
export function compareOps(a: Pick<PeerOp, 't' | 'issuer'>, b: Pick<PeerOp, 't' | 'issuer'>): number {
  if (a.t !== b.t) return a.t - b.t;
  return a.issuer < b.issuer ? -1 : a.issuer > b.issuer ? 1 : 0;
}
