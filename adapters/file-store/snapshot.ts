import { z } from 'zod';
import { REASON_CODES, type Assignment } from '../../core/decide/types';
import type { ControlEvent, NodeRecord } from '../../core/ports';
import { StoreError } from '../../core/ports';
import { emptyGroup, type GroupData } from '../memory-store';

/**
 * The state file's format: every group the store holds, as arrays (never objects keyed by names
 * read from the file, so no name can become a property of anything). Read back through one zod
 * schema: a file that does not fit is refused with what is wrong, never half-loaded or reset.
 */

export const FORMAT = 'ipferry-file-store';
export const FORMAT_VERSION = 1;

const name = z.string().min(1).max(256);
const time = z.number().finite();
const count = z.number().int().min(0);

const assignment = z.strictObject({
  vip: name,
  node: name.nullable(),
  epoch: count,
  since: time,
  moves: z.array(time),
  pinned: z.strictObject({ reason: z.string().max(4096), by: z.string().max(256).optional() }).optional(),
});

const check = z.looseObject({ ok: z.boolean(), since: time, detail: z.string().optional() });
const guard = z.strictObject({ bootId: z.string().max(256), seq: count, sentAt: time });

// Views and events are loose objects: fields a newer ipferry adds survive a round trip; the ones
// every reader relies on are checked.
const nodeRecord = z.looseObject({
  view: z.looseObject({
    id: name,
    lastSeen: time.nullable(),
    aliveSince: time.nullable(),
    checks: z.record(z.string(), check),
    held: z.array(name),
    draining: z.boolean(),
    leaving: z.boolean(),
  }),
  guard,
  applied: z.record(z.string(), count),
  watch: z.record(z.string(), z.strictObject({ heard: z.boolean(), since: time })).optional(),
});

const event = z.looseObject({
  id: z.string().min(1).max(512),
  at: time,
  kind: z.enum(['move', 'drain', 'undrain', 'hook-failure', 'dns', 'note']),
  vip: name.optional(),
  reason: z.enum(REASON_CODES).optional(),
  detail: z.string(),
  timeline: z.record(z.string(), time).optional(),
});

const group = z.strictObject({
  group: name,
  version: count,
  assignments: z.array(assignment),
  nodes: z.array(z.strictObject({ node: name, record: nodeRecord })),
  draining: z.array(name),
  // Never written (a lease is one process's, and one process holds the file): a restart after a
  // crash mid-tick would otherwise wait out the dead process's lease. Accepted and ignored.
  lease: z.strictObject({ owner: z.string().max(256), expiresAt: time }).optional(),
  events: z.array(event),
});

const file = z.strictObject({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  groups: z.array(group),
});

export function encode(groups: ReadonlyMap<string, GroupData>): string {
  const out: z.input<typeof file> = { format: FORMAT, formatVersion: FORMAT_VERSION, groups: [] };
  for (const [g, d] of groups) {
    out.groups.push({
      group: g,
      version: d.version,
      assignments: [...d.assignments.values()],
      nodes: [...d.nodes].map(([node, record]) => ({ node, record: record as z.input<typeof nodeRecord> })),
      draining: [...d.draining],
      events: [...d.events.values()] as Array<z.input<typeof event>>,
    });
  }
  return JSON.stringify(out);
}

/** Keys that would reach an object's prototype if copied by assignment: refused wherever they appear. */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses a state file; throws StoreError('invalid') naming the file and what is wrong with it. */
export function decode(path: string, text: string): Map<string, GroupData> {
  const refuse = (what: string) =>
    new StoreError(
      'invalid',
      `${path}: ${what}. ipferry control does not start on a state file it cannot read, and never resets one: fix it, or move it aside to start with no drains, pins or assignments`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text, (key, value: unknown) => {
      if (HOSTILE_KEYS.has(key)) throw new Error(`the key "${key}" is not allowed`);
      return value;
    });
  } catch (err) {
    throw refuse(`not a state file (${(err as Error).message})`);
  }
  const parsed = file.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
      .join('; ');
    throw refuse(`not an ${FORMAT} file of format ${FORMAT_VERSION} (${issues})`);
  }
  const groups = new Map<string, GroupData>();
  for (const g of parsed.data.groups) {
    if (groups.has(g.group)) throw refuse(`group ${JSON.stringify(g.group)} appears twice`);
    const d = emptyGroup();
    d.version = g.version;
    for (const a of g.assignments) d.assignments.set(a.vip, a as Assignment);
    for (const n of g.nodes) d.nodes.set(n.node, n.record as unknown as NodeRecord);
    for (const n of g.draining) d.draining.add(n);
    for (const e of [...g.events].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)))
      d.events.set(e.id, e as unknown as ControlEvent);
    groups.set(g.group, d);
  }
  return groups;
}
