import type { Config } from '../../../core/config';
import { resolverOf } from '../../../core/config';
import type { DnsRecordSet } from '../../../core/ports';
import { canonicalSorted } from './api';

/**
 * The addresses a round-robin record should list: those of its VIPs that have an owner. This is
 * what the control loop passes to `RecordSetPublisher.publish` after a commit, with `owners` from
 * the committed assignments (VIP name → node id, or null when unowned). A VIP without an address
 * (an owner record) contributes nothing.
 */
export function membershipAddresses(
  config: Config,
  record: DnsRecordSet,
  owners: ReadonlyMap<string, string | null>,
): string[] {
  const find = resolverOf(config.vips);
  const out: string[] = [];
  for (const ref of record.vips) {
    const name = find(ref);
    const vip = name === undefined ? undefined : config.vips.find((v) => v.name === name);
    if (vip?.ip && (owners.get(vip.name) ?? null) !== null) out.push(vip.ip.text);
  }
  return canonicalSorted(out);
}
