import { z } from 'zod';
import type { Assignment } from '../../core/decide/types';
import { StoreError, type ControlEvent, type NodeRecord } from '../../core/ports';
import { assignmentSchema, count, eventSchema, nodeRecordSchema, parseStoredJson, time } from '../store-values';

/**
 * What the store reads back from etcd is input from the network: anyone with write access to the
 * prefix (or a bug elsewhere) can put anything there. Every value goes through one of these
 * schemas; a value that does not fit fails the read with StoreError('invalid') naming the key and
 * what is wrong, and is never half-used.
 */

export const rootSchema = z.strictObject({ version: count, chunkCount: z.number().int().min(1).max(127) });
export type Root = z.infer<typeof rootSchema>;
export const chunkSchema = z.array(assignmentSchema);
export { eventSchema, nodeRecordSchema };

export const drainSchema = z.strictObject({ at: time });
export const tickLeaseSchema = z.strictObject({ owner: z.string().min(1).max(256), expiresAt: time });

/** Parses the value stored under `key` with `schema`; throws StoreError('invalid') naming the key. */
export function decode<S extends z.ZodType>(key: string, text: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseStoredJson(text);
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
