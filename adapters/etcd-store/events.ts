import { StoreError, type ControlEvent, type FailoverTimeline } from '../../core/ports';
import { casUpdate } from './cas';
import { prefixEnd, type EtcdClient, type KeyValue } from './client';
import type { Keys } from './keys';
import { asEvent, decode, eventSchema } from './values';

/**
 * Events as keys of their own, sorted by id (time first). A write merges into the stored event by
 * compare-and-set (the tick's "decided", its "verified" and a heartbeat's "bound" may arrive in any
 * order). The history is bounded: after an append that takes the count past `maxEvents`, the
 * oldest are deleted in a FOLLOWING request (one delete of a key range), so for a moment the count
 * may exceed the bound by the events of one append; etcd has no TTL on plain keys.
 */
export class EventKeys {
  constructor(
    private readonly client: EtcdClient,
    private readonly keys: Keys,
    private readonly maxEvents: number,
  ) {}

  async append(group: string, events: readonly ControlEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 16)
      await Promise.all(events.slice(i, i + 16).map((e) => this.write(group, e)));
    if (events.length > 0) await this.prune(group);
  }

  private write(group: string, e: ControlEvent): Promise<void> {
    const key = this.keys.event(group, e.id);
    return casUpdate(this.client, key, `write event ${e.id}`, (current) => {
      const prev = current ? this.decodeEvent(current) : undefined;
      const timeline = prev?.timeline || e.timeline ? { ...prev?.timeline, ...e.timeline } : undefined;
      return {
        result: undefined,
        put: { value: JSON.stringify({ ...prev, ...e, ...(timeline ? { timeline } : {}) }) },
      };
    });
  }

  async mark(group: string, id: string, patch: Partial<FailoverTimeline>): Promise<void> {
    await casUpdate(this.client, this.keys.event(group, id), `mark event ${id}`, (current) => {
      if (!current) return { result: undefined };
      const e = this.decodeEvent(current);
      const timeline: FailoverTimeline = { ...e.timeline };
      let changed = false;
      for (const [k, v] of Object.entries(patch) as Array<[keyof FailoverTimeline, number | undefined]>)
        if (v !== undefined && timeline[k] === undefined) {
          timeline[k] = v;
          changed = true;
        }
      return changed
        ? { result: undefined, put: { value: JSON.stringify({ ...e, timeline }) } }
        : { result: undefined };
    });
  }

  async list(
    group: string,
    page: { limit?: number; before?: string },
  ): Promise<{ events: ControlEvent[]; next?: string }> {
    const limit = Math.max(1, Math.min(page.limit ?? 50, 1000));
    const from = this.keys.events(group);
    const end = page.before === undefined ? prefixEnd(from) : this.keys.event(group, page.before);
    const r = await this.client.range({ key: from, end, limit, descending: true }, `list events of ${group}`);
    const events = r.kvs.map((kv) => this.decodeEvent(kv));
    return r.more && events.length > 0 ? { events, next: events[events.length - 1]!.id } : { events };
  }

  private async prune(group: string): Promise<void> {
    const from = this.keys.events(group);
    const { count } = await this.client.range(
      { key: from, end: prefixEnd(from), countOnly: true },
      `count events of ${group}`,
    );
    if (count <= this.maxEvents) return;
    const oldest = await this.client.range(
      { key: from, end: prefixEnd(from), limit: count - this.maxEvents, keysOnly: true },
      `find the oldest events of ${group}`,
    );
    const last = oldest.kvs[oldest.kvs.length - 1];
    if (!last) return;
    await this.client.txn(
      { compare: [], success: [{ delete: { key: from, end: `${last.key}\0` } }] },
      `delete the oldest ${oldest.kvs.length} events of ${group}`,
    );
  }

  private decodeEvent(kv: KeyValue): ControlEvent {
    const e = asEvent(decode(kv.key, kv.value, eventSchema));
    if (!kv.key.endsWith(`/${encodeURIComponent(e.id)}`))
      throw new StoreError('invalid', `etcd key ${kv.key}: holds event ${JSON.stringify(e.id)}, not its own`);
    return e;
  }
}
