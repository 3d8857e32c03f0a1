import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ControlEvent, EventOutcome, FailoverTimeline } from '../../core/ports';
import { isConditionFailed, storeError } from './errors';
import { eventsPk, TTL_ATTRIBUTE } from './keys';

const TIMELINE_FIELDS = [
  'lastHeartbeat',
  'detected',
  'decided',
  'apiStart',
  'accepted',
  'apiDone',
  'verified',
  'bound',
] as const;
const SCALAR_FIELDS = ['at', 'kind', 'vip', 'from', 'to', 'epoch', 'reason', 'detail', 'outcome'] as const;

/**
 * Events as items of their own partition, sorted by id (time first). Writes are UpdateItem with one
 * SET per field, so the tick's "decided", its "verified" and the heartbeat's "bound" can arrive in
 * any order and merge; timeline fields are flat attributes (tl_<step>) for exactly that reason.
 */
export class EventItems {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly ttlSeconds: number,
  ) {}

  async append(group: string, events: readonly ControlEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 16)
      await Promise.all(events.slice(i, i + 16).map((e) => this.write(group, e)));
  }

  private async write(group: string, e: ControlEvent): Promise<void> {
    const names: Record<string, string> = { '#ttl': TTL_ATTRIBUTE };
    const values: Record<string, unknown> = { ':ttl': Math.floor(e.at / 1000) + this.ttlSeconds };
    const sets = ['#ttl = :ttl'];
    const set = (attr: string, value: unknown): void => {
      if (value === undefined) return;
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      sets.push(`#${attr} = :${attr}`);
    };
    for (const f of SCALAR_FIELDS) set(f, e[f]);
    for (const f of TIMELINE_FIELDS) set(`tl_${f}`, e.timeline?.[f]);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: eventsPk(group), sk: e.id },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      throw storeError(`UpdateItem event ${e.id}`, err);
    }
  }

  async mark(group: string, id: string, patch: Partial<FailoverTimeline>): Promise<void> {
    const fields = TIMELINE_FIELDS.filter((f) => patch[f] !== undefined);
    if (fields.length === 0) return;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: eventsPk(group), sk: id },
          UpdateExpression: `SET ${fields.map((f) => `#${f} = if_not_exists(#${f}, :${f})`).join(', ')}`,
          // Only events that exist: a mark must not leave a half item behind.
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, `tl_${f}`])),
          ExpressionAttributeValues: Object.fromEntries(fields.map((f) => [`:${f}`, patch[f]])),
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw storeError(`UpdateItem event ${id} (timeline)`, err);
    }
  }

  async list(
    group: string,
    page: { limit?: number; before?: string },
  ): Promise<{ events: ControlEvent[]; next?: string }> {
    const limit = Math.max(1, Math.min(page.limit ?? 50, 1000));
    let r;
    try {
      r = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': eventsPk(group) },
          ScanIndexForward: false,
          Limit: limit,
          ...(page.before ? { ExclusiveStartKey: { pk: eventsPk(group), sk: page.before } } : {}),
        }),
      );
    } catch (err) {
      throw storeError('Query events', err);
    }
    const events = (r.Items ?? []).map(decodeEvent);
    const next = r.LastEvaluatedKey?.sk;
    return typeof next === 'string' ? { events, next } : { events };
  }
}

function decodeEvent(item: Record<string, unknown>): ControlEvent {
  const timeline: FailoverTimeline = {};
  for (const f of TIMELINE_FIELDS) if (typeof item[`tl_${f}`] === 'number') timeline[f] = item[`tl_${f}`] as number;
  const e: ControlEvent = {
    id: String(item.sk),
    at: Number(item.at),
    kind: item.kind as ControlEvent['kind'],
    detail: String(item.detail ?? ''),
  };
  if (typeof item.vip === 'string') e.vip = item.vip;
  if ('from' in item) e.from = (item.from as string | null) ?? null;
  if ('to' in item) e.to = (item.to as string | null) ?? null;
  if (typeof item.epoch === 'number') e.epoch = item.epoch;
  if (typeof item.reason === 'string') e.reason = item.reason as ControlEvent['reason'];
  if (item.outcome) e.outcome = item.outcome as EventOutcome;
  if (Object.keys(timeline).length > 0) e.timeline = timeline;
  return e;
}
