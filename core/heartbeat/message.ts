import { z } from 'zod';
import { identifier } from '../config/primitives';
import { PeerOpsSchema } from '../peer/ops-wire';

export const HEARTBEAT_VERSION = 1;

/** The largest time a JavaScript Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/** A witness reports at most a year of continuity: enough for preemptDelay, bounded against nonsense. */
const MAX_WATCH_MS = 366 * 86_400_000;

/**
 * What an agent says about itself, every interval. Signed as a whole (see envelope.ts); the
 * receiver trusts none of it before the signature, the sequence and the time window check out,
 * and judges liveness by when it *received* it, never by `sentAt`.
 */
export const HeartbeatSchema = z.strictObject({
  v: z.literal(HEARTBEAT_VERSION),
  cluster: identifier,
  node: identifier,
  /** Random per agent start: a new one means the node restarted (its seq starts again). */
  bootId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  /** Grows by one per heartbeat within a boot; a repeat or a step back is a replay. */
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** The sender's clock (ms since epoch), only for the replay window. */
  sentAt: z.number().int().positive(),
  checks: z.record(identifier, z.strictObject({ ok: z.boolean(), detail: z.string().max(300).optional() })),
  /** VIP names the host has bound right now. */
  held: z.array(identifier).max(20_000),
  /** The epochs of the assignments the agent has applied, per VIP: what is really plumbed. */
  applied: z.record(identifier, z.number().int().nonnegative()).default({}),
  /** Peer mode: VIPs this node intends to bind once its claim holdoff passes unopposed. */
  claiming: z.array(identifier).max(20_000).default([]),
  /** Peer mode: the operators' drains and pins this node carries, each signed by its issuer (core/peer/ops.ts). */
  ops: PeerOpsSchema.optional(),
  /** Sent once on a graceful stop: move my VIPs now, do not wait for deadAfter. */
  leaving: z.boolean().default(false),
  configDigest: z.string().regex(/^[0-9a-f]{16}$/),
  /**
   * Witnessed liveness: true on a report to the control plane, false on a heartbeat to peers. A
   * control plane in witnessed mode takes only reports, agents only heartbeats, so one captured
   * on one path cannot be replayed on the other.
   */
  report: z.boolean().default(false),
  /**
   * Witnessed liveness, on reports: what this node sees of each node it watches (its ring
   * successors): heard within deadAfter or not, and for how long that has been so.
   */
  watch: z
    .record(identifier, z.strictObject({ heard: z.boolean(), forMs: z.number().int().nonnegative().max(MAX_WATCH_MS) }))
    .refine((w) => Object.keys(w).length <= 8, { message: 'a node watches at most 8 others' })
    .default({}),
  /** Witnessed liveness: the assignments version this node last learned from the control plane. */
  version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  /** Hook failures since the last heartbeat (reported, never blocking). */
  hookFailures: z
    // `at` within what a Date can hold: 9e15 passed, was stored, and then toISOString threw (a 503).
    .array(
      z.strictObject({
        vip: identifier,
        hook: z.enum(['up', 'down', 'notify']),
        error: z.string().max(300),
        at: z.number().int().positive().max(MAX_DATE_MS),
      }),
    )
    .max(100)
    .default([]),
});

export type Heartbeat = z.output<typeof HeartbeatSchema>;
export type HeartbeatInput = z.input<typeof HeartbeatSchema>;

/**
 * The control plane's answer: the VIPs this node owns, each with its epoch. The agent applies an
 * assignment only if its epoch is not older than one it has applied (epochs are fencing tokens).
 */
export const HeartbeatAnswerSchema = z.strictObject({
  v: z.literal(HEARTBEAT_VERSION),
  cluster: identifier,
  node: identifier,
  /** The control plane's clock when it took the heartbeat. */
  receivedAt: z.number().int(),
  assignments: z.array(z.strictObject({ vip: identifier, epoch: z.number().int().nonnegative() })),
  /** Operator-facing notes about this node (e.g. "draining", "config digest differs"). */
  notes: z.array(z.string()).default([]),
  /** The assignments version this answer reflects: a witnessed agent that learns a newer one tells the others to ask. */
  version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  /**
   * The heartbeat this answers (its boot and seq): an agent takes an answer only to the request
   * it is waiting for, so an answer captured earlier cannot be played back (answer.ts).
   */
  inReplyTo: z
    .strictObject({
      bootId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
      seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    })
    .optional(),
});

export type HeartbeatAnswer = z.output<typeof HeartbeatAnswerSchema>;
