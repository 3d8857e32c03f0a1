/**
 * Route 53 hosted zones built from an ipferry config (pure, no I/O): a zone for every hosted zone
 * id the config names (owner records of `aws-route53` VIPs and the top-level `dns` record sets),
 * holding what a running cluster would show:
 *   - an owner record pointing at the preferred node's address (`aws.publicIp`, else its first
 *     address); none when the VIP has no preference (the control loop's first decision writes it);
 *   - a round-robin set listing the addresses of its VIPs that have a preferred node (IPv4 in A,
 *     IPv6 in AAAA); none when no VIP of it has one.
 * The config names zones by id only, so a zone's name is the longest common suffix of the names
 * in it, and the parent of a lone name ("vip.example.com" → "example.com").
 */
import type { Config, NodeSpec, Vip } from '../../core/config';
import { resolverOf } from '../../core/config';
import { Route53SeedError, type Route53Seed } from './seed';

type RecordSeed = NonNullable<Route53Seed['zones'][number]['records']>[number];

export function seedFromConfig(config: Config): Route53Seed {
  const byZone = new Map<string, { names: string[]; records: RecordSeed[] }>();
  const zone = (id: string) =>
    byZone.get(id) ??
    (byZone.set(id, { names: [], records: [] }).get(id) as { names: string[]; records: RecordSeed[] });
  const nodes = new Map(config.nodes.map((n) => [n.id, n]));

  for (const v of config.vips.filter((x) => x.kind === 'aws-route53' && x.aws?.hostedZoneId && x.aws.recordName)) {
    const z = zone(zoneIdOf(v.aws!.hostedZoneId!));
    const name = bare(v.aws!.recordName!);
    z.names.push(name);
    const address = v.preferred ? ownerAddress(nodes.get(v.preferred)) : undefined;
    if (address)
      z.records.push({ name, type: address.includes(':') ? 'AAAA' : 'A', ttl: v.aws!.ttl, values: [address] });
  }

  const find = resolverOf(config.vips);
  const byName = new Map(config.vips.map((v) => [v.name, v]));
  for (const d of config.dns) {
    const z = zone(zoneIdOf(d.hostedZoneId));
    const name = bare(d.name);
    z.names.push(name);
    const owned = d.vips
      .map((ref) => byName.get(find(ref) ?? ''))
      .filter((v): v is Vip => !!v?.ip && v.preferred !== undefined);
    for (const [type, family] of [
      ['A', 4],
      ['AAAA', 6],
    ] as const) {
      const values = owned.filter((v) => v.ip!.family === family).map((v) => v.ip!.text);
      if (values.length > 0) z.records.push({ name, type, ttl: d.ttl, values });
    }
  }

  return {
    zones: [...byZone.entries()].map(([id, z]) => ({
      id,
      name: zoneNameOf(z.names),
      comment: `ipferry sim: ${config.cluster}`,
      records: z.records,
    })),
  };
}

/** Route 53 also accepts "/hostedzone/Z…"; the emulator's seed wants the bare id. */
function zoneIdOf(id: string): string {
  const bareId = id.replace(/^\/hostedzone\//, '');
  if (!/^Z[A-Z0-9]{1,31}$/.test(bareId))
    throw new Route53SeedError(
      `Route 53 seed from config: hosted zone id "${id}" must be Z followed by capitals and digits`,
    );
  return bareId;
}

function bare(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function ownerAddress(node: NodeSpec | undefined): string | undefined {
  return node?.aws?.publicIp ?? node?.addresses[0];
}

/** The longest label suffix shared by every name; a lone name (or no common suffix) gives its parent. */
export function zoneNameOf(names: readonly string[]): string {
  const labels = names.map((n) => n.split('.').reverse());
  const common: string[] = [];
  for (let i = 0; labels.every((l) => l[i] !== undefined && l[i] === labels[0]![i]); i++) common.push(labels[0]![i]!);
  const distinct = new Set(names);
  // Every name equal to the suffix would make the record the apex; the parent is the likelier zone.
  if (common.length >= 2 && !(distinct.size === 1 && common.length === labels[0]!.length && common.length > 2))
    return common.reverse().join('.');
  const first = names[0]!.split('.');
  return first.length > 2 ? first.slice(1).join('.') : names[0]!;
}
