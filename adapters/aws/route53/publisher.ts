import { canonicalIp } from '../../../core/ip';
import type { DnsRecordSet, MoveContext, MoveResult, RecordSetPublisher } from '../../../core/ports';
import { runMove, runRead } from '../frame';
import { canonicalSorted } from './api';
import { Route53Core, recordKey, type Route53Options } from './core';
import { syncRecords, type DesiredRecords } from './sync';

/**
 * Round-robin membership (the config's top-level `dns` entries) in Route 53: the record set lists
 * exactly the addresses given — IPv4 in the A set, IPv6 in the AAAA set, a family with none is
 * deleted — in one atomic ChangeResourceRecordSets batch, then GetChange until INSYNC and a
 * read-back. Publishing what is already there makes no change.
 */
export class Route53RecordSetPublisher implements RecordSetPublisher {
  readonly name = 'aws-route53';
  readonly core: Route53Core;

  constructor(options: Route53Options & { core?: Route53Core } = {}) {
    this.core = options.core ?? new Route53Core(options);
  }

  async observe(record: DnsRecordSet): Promise<string[]> {
    const { value } = await runRead(this.core.frame, this.core.observeTimeoutMs, (f) =>
      this.core.backgroundApi.addressRecords(f, record.hostedZoneId, record.name),
    );
    return canonicalSorted([...(value.A?.values ?? []), ...(value.AAAA?.values ?? [])]);
  }

  async publish(record: DnsRecordSet, addresses: readonly string[], ctx: MoveContext): Promise<MoveResult> {
    const what = `publish ${record.name} (${addresses.length} addresses)`;
    const bad = addresses.filter((a) => canonicalIp(a) === undefined);
    if (bad.length > 0)
      return { ok: false, reason: 'invalid', message: `${what}: not addresses: ${bad.join(', ')}`, calls: 0 };
    const ips = canonicalSorted(addresses);
    const desired: DesiredRecords = {
      A: { ttl: record.ttl, values: ips.filter((a) => !a.includes(':')) },
      AAAA: { ttl: record.ttl, values: ips.filter((a) => a.includes(':')) },
    };
    return this.core.lock.run(recordKey(record.hostedZoneId, record.name), () =>
      runMove(this.core.frame, ctx, what, (f) =>
        syncRecords(
          f,
          this.core.api,
          record.hostedZoneId,
          record.name,
          desired,
          `ipferry: ${record.name} (epoch ${ctx.epoch})`,
        ),
      ),
    );
  }

  close(): void {
    this.core.close();
  }
}
