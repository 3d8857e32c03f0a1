import { z } from 'zod';
import type { Assignment } from '../../core/decide/types';
import type { ControlEvent, NodeRecord } from '../../core/ports';
import { StoreError } from '../../core/ports';
import { emptyGroup, type GroupData } from '../memory-store';
import { assignmentSchema, count, eventSchema, name, nodeRecordSchema, parseStoredJson, time } from '../store-values';

/**
 * The state file's format: every group the store holds, as arrays (never objects keyed by names
 * read from the file, so no name can become a property of anything). Read back through one zod
 * schema: a file that does not fit is refused with what is wrong, never half-loaded or reset.
 */

export const FORMAT = 'ipferry-file-store';
export const FORMAT_VERSION = 1;

const group = z.strictObject({
  group: name,
  version: count,
  assignments: z.array(assignmentSchema),
  nodes: z.array(z.strictObject({ node: name, record: nodeRecordSchema })),
  draining: z.array(name),
  // Never written (a lease is one process's, and one process holds the file): a restart after a
  // crash mid-tick would otherwise wait out the dead process's lease. Accepted and ignored.
  lease: z.strictObject({ owner: z.string().max(256), expiresAt: time }).optional(),
  events: z.array(eventSchema),
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
      nodes: [...d.nodes].map(([node, record]) => ({ node, record: record as z.input<typeof nodeRecordSchema> })),
      draining: [...d.draining],
      events: [...d.events.values()] as Array<z.input<typeof eventSchema>>,
    });
  }
  return JSON.stringify(out);
}

/** Parses a state file; throws StoreError('invalid') naming the file and what is wrong with it. */
export function decode(path: string, text: string): Map<string, GroupData> {
  const refuse = (what: string) =>
    new StoreError(
      'invalid',
      `${path}: ${what}. ipferry control does not start on a state file it cannot read, and never resets one: fix it, or move it aside to start with no drains, pins or assignments`,
    );
  let raw: unknown;
  try {
    raw = parseStoredJson(text);
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
