import type { Change } from '@aws-sdk/client-route-53';
import { ProviderError } from '../../../core/reasons';
import type { Frame, MoveOutcome } from '../frame';
import { canonicalSorted, type AddressRecords, type AddressType, type Route53Api } from './api';

/** What a name should hold: per type, the TTL and values, or nothing (absent: the set must not exist). */
export type DesiredRecords = Partial<Record<AddressType, { ttl: number; values: readonly string[] }>>;

const TYPES: readonly AddressType[] = ['A', 'AAAA'];
/** A batch refused because the record changed under us is read again and rebuilt, this often. */
const REBUILDS = 3;

/** The changes that turn `current` into `desired`: UPSERT what differs, DELETE what must go. */
export function changesFor(name: string, current: AddressRecords, desired: DesiredRecords): Change[] {
  const out: Change[] = [];
  for (const type of TYPES) {
    const cur = current[type];
    const want = desired[type];
    if (want && want.values.length > 0) {
      const values = canonicalSorted(want.values);
      if (!cur || cur.ttl !== want.ttl || cur.values.join(',') !== values.join(',')) {
        out.push({
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: name,
            Type: type,
            TTL: want.ttl,
            ResourceRecords: values.map((Value) => ({ Value })),
          },
        });
      }
    } else if (cur) {
      // DELETE must repeat the set exactly as Route 53 holds it.
      out.push({
        Action: 'DELETE',
        ResourceRecordSet: {
          Name: name,
          Type: type,
          TTL: cur.ttl,
          ResourceRecords: cur.raw.map((Value) => ({ Value })),
        },
      });
    }
  }
  return out;
}

export function describeRecords(r: AddressRecords): string {
  const parts = TYPES.flatMap((t) => (r[t] ? [`${t} ${r[t].values.join(' ')}`] : []));
  return parts.length > 0 ? parts.join('; ') : 'no record';
}

/**
 * Reads the name, and when it is not as desired, submits one atomic batch (UPSERT, plus DELETE of
 * a set that must go), waits for the change to be INSYNC (GetChange at fixed steps: not the SDK
 * waiter, whose 30 s minimum would eat any failover deadline), then reads back until the API shows
 * it. A change still PENDING at the deadline ends the sync as accepted (no `verifiedAt`).
 * Idempotent: a name already right costs one read and no change.
 */
export async function syncRecords(
  f: Frame,
  api: Route53Api,
  zoneId: string,
  name: string,
  desired: DesiredRecords,
  comment: string,
  onAccepted?: (changeId: string, at: number) => void,
): Promise<MoveOutcome> {
  let before = await api.addressRecords(f, zoneId, name);
  let acceptedAt = 0;
  for (let rebuild = 1; ; rebuild++) {
    const changes = changesFor(name, before, desired);
    if (changes.length === 0) return { changed: false, verifiedAt: f.clock.now() };
    let change: { id: string; status: string };
    try {
      change = await api.change(f, zoneId, changes, comment);
    } catch (err) {
      if (
        !(err instanceof ProviderError && err.details.code === 'InvalidChangeBatch' && err.reason === 'conflict') ||
        rebuild >= REBUILDS
      )
        throw err;
      before = await api.addressRecords(f, zoneId, name); // changed under us: rebuild the batch from what is there now
      continue;
    }
    // Accepted: Route 53 applies the batch atomically and will serve it everywhere; what follows is propagation.
    acceptedAt = f.clock.now();
    onAccepted?.(change.id, acceptedAt);
    try {
      await waitInSync(f, api, change);
    } catch (err) {
      // Still PENDING at the deadline (or GetChange could not be read): the change is taken and
      // cannot be half-applied, so the address is moving. Reported as accepted, not failed: a
      // failure would make the control plane retry, and a second change would only queue behind
      // the first (PriorRequestNotComplete). Whoever got onAccepted follows it to INSYNC.
      const why = err instanceof Error ? err.message : String(err);
      return {
        changed: true,
        acceptedAt,
        detail: `${name}: ${describeRecords(before)} → ${describeDesired(desired)}; change ${change.id} accepted, not in sync by the deadline (${why})`,
      };
    }
    break;
  }
  const wasBefore = describeRecords(before);
  await f.poll(
    `${name} in ${zoneId}`,
    () => api.addressRecords(f, zoneId, name),
    (seen) => {
      if (changesFor(name, seen, desired).length === 0) return 'done';
      if (describeRecords(seen) === wasBefore) return 'wait'; // reads may lag the change
      return {
        conflict: `${name} now holds ${describeRecords(seen)}, neither what was asked nor what was there (${wasBefore})`,
      };
    },
  );
  const outcome: MoveOutcome = {
    changed: true,
    acceptedAt,
    verifiedAt: f.clock.now(),
    detail: `${name}: ${wasBefore} → ${describeDesired(desired)}`,
  };
  return outcome;
}

async function waitInSync(f: Frame, api: Route53Api, change: { id: string; status: string }): Promise<void> {
  let first = true;
  const status = async () => {
    if (first) {
      first = false;
      return change.status; // the change's own answer: no call needed for the first look
    }
    return api.changeStatus(f, change.id);
  };
  await f.poll(`change ${change.id}`, status, (s) => (s === 'INSYNC' ? 'done' : 'wait'));
}

function describeDesired(d: DesiredRecords): string {
  const parts = TYPES.flatMap((t) => (d[t]?.values.length ? [`${t} ${canonicalSorted(d[t].values).join(' ')}`] : []));
  return parts.length > 0 ? parts.join('; ') : 'no record';
}
