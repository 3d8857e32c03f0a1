import { z } from 'zod';
import { REASON_CODES, type Assignment } from '../../core/decide/types';
import { StoreError, type ControlEvent, type NodeRecord } from '../../core/ports';
import { FAILURE_REASONS } from '../../core/reasons';

/**
 * What the store reads back from etcd is input from the network: anyone with write access to the
 * prefix (or a bug elsewhere) can put anything there. Every value goes through one of these
 * schemas; a value that does not fit fails the read with StoreError('invalid') naming the key and
 * what is wrong, and is never half-used.
 */

const name = z.string().min(1).max(256);
const time = z.number().finite();
const count = z.number().int().min(0);

export const rootSchema = z.strictObject({ version: count, chunkCount: z.number().int().min(1).max(127) });
export type Root = z.infer<typeof rootSchema>;

const assignment = z.strictObject({
  vip: name,
  node: name.nullable(),
  epoch: count,
  since: time,
  moves: z.array(time),
  pinned: z.strictObject({ reason: z.string().max(4096), by: z.string().max(256).optional() }).optional(),
});
export const chunkSchema = z.array(assignment);

const check = z.looseObject({ ok: z.boolean(), since: time, detail: z.string().max(4096).optional() });

// Views and events are loose objects: fields a newer ipferry adds survive a round trip; the ones
// every reader relies on are checked.
export const nodeRecordSchema = z.strictObject({
  view: z.looseObject({
    id: name,
    lastSeen: time.nullable(),
    aliveSince: time.nullable(),
    checks: z.record(z.string().max(256), check),
    held: z.array(name),
    draining: z.boolean(),
    leaving: z.boolean(),
  }),
  guard: z.strictObject({ bootId: z.string().max(256), seq: count, sentAt: time }),
  applied: z.record(z.string().max(256), count),
  watch: z.record(z.string().max(256), z.strictObject({ heard: z.boolean(), since: time })).optional(),
});

const outcome = z.union([
  z.strictObject({ ok: z.literal(true), changed: z.boolean(), calls: count }),
  z.strictObject({
    ok: z.literal(false),
    reason: z.enum(FAILURE_REASONS),
    message: z.string().max(8192),
    calls: count,
    skipped: z.boolean().optional(),
  }),
]);

export const eventSchema = z.looseObject({
  id: z.string().min(1).max(512),
  at: time,
  kind: z.enum(['move', 'drain', 'undrain', 'hook-failure', 'dns', 'note']),
  vip: name.optional(),
  from: name.nullable().optional(),
  to: name.nullable().optional(),
  epoch: count.optional(),
  reason: z.enum(REASON_CODES).optional(),
  detail: z.string().max(16_384),
  timeline: z.record(z.string().max(64), time).optional(),
  outcome: outcome.optional(),
});

export const drainSchema = z.strictObject({ at: time });
export const tickLeaseSchema = z.strictObject({ owner: z.string().min(1).max(256), expiresAt: time });

/** Keys that would reach an object's prototype if copied by assignment: refused wherever they appear. */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses the value stored under `key` with `schema`; throws StoreError('invalid') naming the key. */
export function decode<S extends z.ZodType>(key: string, text: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (k, v: unknown) => {
      if (HOSTILE_KEYS.has(k)) throw new Error(`the key "${k}" is not allowed`);
      return v;
    });
  } catch (err) {
    throw new StoreError('invalid', `etcd key ${key}: not JSON ipferry wrote (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
      .join('; ');
    throw new StoreError('invalid', `etcd key ${key}: not a value ipferry wrote (${issues})`);
  }
  return parsed.data;
}

export const asAssignments = (v: z.infer<typeof chunkSchema>): Assignment[] => v as Assignment[];
export const asNodeRecord = (v: z.infer<typeof nodeRecordSchema>): NodeRecord => v as unknown as NodeRecord;
export const asEvent = (v: z.infer<typeof eventSchema>): ControlEvent => v as unknown as ControlEvent;
