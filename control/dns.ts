import { resolverOf } from '../core/config';
import type { Assignment } from '../core/decide';
import type { ControlEvent, DnsRecordSet, EventOutcome } from '../core/ports';
import type { ControlContext } from './context';
import { eventId } from './events';
import { errorText } from '../lib/log';

/**
 * Round-robin membership (config `dns`): each record lists the addresses of its VIPs that have an
 * owner. Republished after a commit that changed the ownership of one of its VIPs, and for every
 * record on scheduled ticks (drift repair: the publisher reads first and changes nothing when DNS
 * already agrees). Returns events only for changes and failures, so a quiet schedule stays quiet.
 */
export async function publishRecordSets(
  ctx: ControlContext,
  assignments: readonly Assignment[],
  touched: ReadonlySet<string> | 'all',
  version: number,
): Promise<ControlEvent[]> {
  const publisher = ctx.publisher;
  if (!publisher || ctx.config.dns.length === 0) return [];
  const nameOf = resolverOf(ctx.config.vips);
  const byVip = new Map(assignments.map((a) => [a.vip, a]));
  const vipByName = new Map(ctx.config.vips.map((v) => [v.name, v]));
  const records = ctx.config.dns.filter(
    (r) => touched === 'all' || r.vips.some((ref) => touched.has(nameOf(ref) ?? ref)),
  );
  return (
    await Promise.all(
      records.map(async (record): Promise<ControlEvent | undefined> => {
        const addresses = record.vips
          .map((ref) => nameOf(ref))
          .filter((name): name is string => name !== undefined && (byVip.get(name)?.node ?? null) !== null)
          .flatMap((name) => (vipByName.get(name)?.ip ? [vipByName.get(name)!.ip!.text] : []))
          .sort();
        const outcome = await publish(ctx, record, addresses, version);
        if (outcome.ok && !outcome.changed) return undefined;
        const at = ctx.clock.now();
        return {
          id: eventId(at, `dns#${record.name}@${version}`),
          at,
          kind: 'dns',
          detail: `${record.name}: ${addresses.length > 0 ? addresses.join(', ') : '(no owned VIPs: record removed)'}`,
          outcome,
        };
      }),
    )
  ).filter((e): e is ControlEvent => e !== undefined);
}

async function publish(
  ctx: ControlContext,
  record: DnsRecordSet,
  addresses: string[],
  version: number,
): Promise<EventOutcome> {
  try {
    const r = await ctx.publisher!.publish(record, addresses, {
      epoch: version,
      deadline:
        ctx.clock.now() + Math.min(ctx.tuning.moveDeadlineMs, ctx.tuning.maxMoveDeadlineMs ?? Number.POSITIVE_INFINITY),
    });
    if (!r.ok) ctx.log.warn('dns publish failed', { record: record.name, reason: r.reason, message: r.message });
    return r.ok
      ? { ok: true, changed: r.changed, calls: r.calls }
      : { ok: false, reason: r.reason, message: r.message, calls: r.calls };
  } catch (err) {
    ctx.log.error('dns publish threw', { record: record.name, error: errorText(err) });
    return { ok: false, reason: 'transient', message: errorText(err), calls: 0 };
  }
}
