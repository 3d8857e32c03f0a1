import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { canonicalIp } from '../../../core/ip';
import { ProviderError } from '../../../core/reasons';
import type { Frame } from '../frame';
import type { Route53Sender } from './client';
import { priorRequestPending } from './errors';

export type AddressType = 'A' | 'AAAA';

/** A simple (unweighted, non-alias) A or AAAA record set as Route 53 holds it. */
export interface AddressRecord {
  type: AddressType;
  ttl: number;
  /** As Route 53 answers them: a DELETE must repeat them exactly. */
  raw: string[];
  /** Canonical and sorted, for comparing. */
  values: string[];
}

export type AddressRecords = Partial<Record<AddressType, AddressRecord>>;

const MAX_PAGES = 10;

/**
 * The Route 53 calls the adapter makes, each through the frame (counted, time-limited,
 * classified, retried within the deadline). Names are compared as Route 53 stores them: lower
 * case, with a trailing dot, `\ooo` escapes decoded.
 */
export class Route53Api {
  constructor(private readonly r53: Route53Sender) {}

  /** The A and AAAA record sets at `name` (weighted and alias sets are not ours and are skipped). */
  async addressRecords(f: Frame, zoneId: string, name: string): Promise<AddressRecords> {
    const want = fqdn(name);
    const out: AddressRecords = {};
    let start: { name: string; type: string } = { name: want, type: 'A' };
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await f.call('ListResourceRecordSets', (http) =>
        this.r53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as 'A',
            MaxItems: 10,
          }),
          http,
        ),
      );
      for (const r of answer.ResourceRecordSets ?? []) {
        const rec = addressRecord(r, want);
        if (rec) out[rec.type] = rec;
      }
      const next = answer.NextRecordName;
      if (
        !answer.IsTruncated ||
        !next ||
        fqdn(next) !== want ||
        (answer.NextRecordType !== 'A' && answer.NextRecordType !== 'AAAA')
      )
        return out;
      start = { name: next, type: answer.NextRecordType };
    }
    return out;
  }

  /** Submits one atomic batch; a zone still busy with an earlier change is retried with backoff. */
  async change(f: Frame, zoneId: string, changes: Change[], comment: string): Promise<{ id: string; status: string }> {
    const answer = await f.call(
      'ChangeResourceRecordSets',
      (http) =>
        this.r53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: comment, Changes: changes },
          }),
          http,
        ),
      priorRequestPending,
    );
    const info = answer.ChangeInfo;
    if (!info?.Id)
      throw new ProviderError('transient', 'Route 53 ChangeResourceRecordSets answered without a change id', {
        code: 'unexpected-answer',
      });
    return { id: info.Id, status: info.Status ?? 'PENDING' };
  }

  async changeStatus(f: Frame, id: string): Promise<string> {
    const answer = await f.call('GetChange', (http) => this.r53.send(new GetChangeCommand({ Id: id }), http));
    return answer.ChangeInfo?.Status ?? 'PENDING';
  }
}

function addressRecord(r: ResourceRecordSet, want: string): AddressRecord | undefined {
  if (
    !r.Name ||
    fqdn(r.Name) !== want ||
    (r.Type !== 'A' && r.Type !== 'AAAA') ||
    r.SetIdentifier !== undefined ||
    r.AliasTarget !== undefined
  )
    return undefined;
  const raw = (r.ResourceRecords ?? []).flatMap((v) => (v.Value === undefined ? [] : [v.Value]));
  return { type: r.Type, ttl: r.TTL ?? 0, raw, values: canonicalSorted(raw) };
}

/** Lower case, trailing dot, `\052`-style escapes decoded: how two spellings of a name compare. */
export function fqdn(name: string): string {
  const decoded = name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))).toLowerCase();
  return decoded.endsWith('.') ? decoded : `${decoded}.`;
}

export function canonicalSorted(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => canonicalIp(v) ?? v))].sort();
}

export function typeOf(address: string): AddressType {
  return address.includes(':') ? 'AAAA' : 'A';
}
