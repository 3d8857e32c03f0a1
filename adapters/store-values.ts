import { z } from 'zod';
import { REASON_CODES } from '../core/decide/types';
import { FAILURE_REASONS } from '../core/reasons';

/**
 * What a store reads back (an etcd value, a state file) is input from outside: these schemas are
 * the one description of the values every store keeps, shared by the stores that must parse them.
 */

export const name = z.string().min(1).max(256);
export const time = z.number().finite();
export const count = z.number().int().min(0);

export const assignmentSchema = z.strictObject({
  vip: name,
  node: name.nullable(),
  epoch: count,
  since: time,
  moves: z.array(time),
  pinned: z.strictObject({ reason: z.string().max(4096), by: z.string().max(256).optional() }).optional(),
});

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

/** Keys that would reach an object's prototype if copied by assignment: refused wherever they appear. */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse that refuses prototype-reaching keys anywhere; throws with the key named. */
export function parseStoredJson(text: string): unknown {
  return JSON.parse(text, (k, v: unknown) => {
    if (HOSTILE_KEYS.has(k)) throw new Error(`the key "${k}" is not allowed`);
    return v;
  });
}
