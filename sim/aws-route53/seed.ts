/**
 * The seed: hosted zones and their record sets, plain JSON. Every zone also gets the SOA and NS
 * record sets that Route 53 creates with a zone.
 *
 *   {
 *     zones: [{
 *       id: 'Z0EXAMPLE0001', name: 'example.com',
 *       records: [{ name: 'www.example.com', type: 'A', ttl: 60, values: ['192.0.2.10'] },
 *                 { name: 'api.example.com', type: 'A', ttl: 60, values: ['192.0.2.11'], setIdentifier: 'a', weight: 10 }],
 *     }],
 *   }
 */
import { normaliseName } from './names';
import { apexRecords, recordKey, type Zones } from './state';

export interface Route53Seed {
  zones: Array<{
    /** Default: generated, like `Z` followed by 13 characters. */
    id?: string;
    name: string;
    privateZone?: boolean;
    comment?: string;
    records?: Array<{
      name: string;
      type: string;
      ttl: number;
      values: string[];
      setIdentifier?: string;
      weight?: number;
    }>;
  }>;
}

export class Route53SeedError extends Error {}

export function zonesFromSeed(seed: Route53Seed, newZoneId: () => string): Zones {
  const zones: Zones = {};
  for (const z of seed.zones) {
    const id = z.id ?? newZoneId();
    if (!/^Z[A-Z0-9]{1,31}$/.test(id))
      throw new Route53SeedError(`Route 53 seed: zone id "${id}" must be Z followed by capitals and digits`);
    if (zones[id]) throw new Route53SeedError(`Route 53 seed: duplicate zone id "${id}"`);
    const name = normaliseName(z.name);
    const records = apexRecords(name);
    for (const r of z.records ?? []) {
      const rec = {
        name: normaliseName(r.name),
        type: r.type.toUpperCase(),
        ttl: r.ttl,
        values: [...r.values],
        setIdentifier: r.setIdentifier,
        weight: r.weight,
      };
      if (!(rec.name === name || rec.name.endsWith(`.${name}`)))
        throw new Route53SeedError(`Route 53 seed: ${rec.name} is not in zone ${name}`);
      const i = records.findIndex((x) => recordKey(x) === recordKey(rec));
      if (i >= 0)
        records[i] = rec; // a seed may replace the default SOA/NS
      else records.push(rec);
    }
    zones[id] = {
      id,
      name,
      callerReference: `seed-${id}`,
      comment: z.comment ?? '',
      privateZone: z.privateZone ?? false,
      records,
    };
  }
  return zones;
}
