/**
 * A public zone for tests and demos: `example.com.` (id Z0EXAMPLE00001) with a VIP record
 * `vip.example.com. A 192.0.2.10` (TTL 60), a weighted pair `api.example.com.` (set identifiers
 * `a` and `b`) and a CNAME `www.example.com.` -> `vip.example.com.`, plus the SOA and NS records
 * every zone has. Addresses come from documentation ranges and are never contacted.
 */
import type { Route53Seed } from './seed';

export const EXAMPLE_ZONE_ID = 'Z0EXAMPLE00001';

export function exampleRoute53Seed(): Route53Seed {
  return {
    zones: [
      {
        id: EXAMPLE_ZONE_ID,
        name: 'example.com',
        comment: 'ipferry emulator',
        records: [
          { name: 'vip.example.com', type: 'A', ttl: 60, values: ['192.0.2.10'] },
          { name: 'api.example.com', type: 'A', ttl: 60, values: ['192.0.2.21'], setIdentifier: 'a', weight: 50 },
          { name: 'api.example.com', type: 'A', ttl: 60, values: ['192.0.2.22'], setIdentifier: 'b', weight: 50 },
          { name: 'www.example.com', type: 'CNAME', ttl: 300, values: ['vip.example.com'] },
        ],
      },
    ],
  };
}
