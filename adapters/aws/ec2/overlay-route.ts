import type { Route } from '@aws-sdk/client-ec2';
import type { NodeSpec, Vip } from '../../../core/config';
import { formatIp, parsePrefix } from '../../../core/ip';
import type { Holding } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import { routeTo, type Destination } from './api';
import type { Frame, MoveOutcome, PollVerdict } from '../frame';
import { vipAddress, type Ec2Kind, type KindDeps } from './kind';

/**
 * `aws-overlay-route`: the VIP's prefix (usually a /32 outside the VPC's CIDR, so it can cross
 * AZs) routed to the owner's interface in every table of `vip.aws.routeTables`.
 *
 * Observe: DescribeRouteTables by id (an unknown table fails it as not-found); the holder is the
 * interface every table's route points at. Tables that disagree (or some without the route) are a split: reported as a foreign
 * holding naming each table's target, so the control loop sees drift and repairs it.
 * Move: DescribeRouteTables by id (a missing table → not-found), then for each table not already
 * pointing at the target: ReplaceRoute, or CreateRoute where the route is missing (a Replace that
 * finds no route creates it; a Create that finds one replaces it); then DescribeRouteTables until
 * every table agrees. The owner's interface needs source/destination checking off (EC2 turns it
 * on for every interface and then drops the routed packets without a word): the move reads the
 * interface first and refuses (`invalid`, saying what to change) while the check is on, and
 * `sourceDestProblems` lets status and plan say so before any failover.
 */
export class OverlayRouteKind implements Ec2Kind {
  readonly kind = 'aws-overlay-route' as const;

  constructor(private readonly deps: KindDeps) {}

  refuse(vip: Vip, to: NodeSpec): string | undefined {
    if (!vip.aws?.routeTables?.length) return `VIP ${vip.name} has no aws.routeTables`;
    if (!to.aws?.eni) return `node ${to.id} has no aws.eni to route ${vip.name} to`;
    return undefined;
  }

  async observe(f: Frame, vips: readonly Vip[]): Promise<Map<string, Holding>> {
    const ids = [...new Set(vips.flatMap((v) => v.aws?.routeTables ?? []))];
    const tables = ids.length > 0 ? await this.deps.api.routeTables(f, ids) : new Map<string, Route[]>();
    return new Map(vips.map((v) => [v.name, this.holding(v, tables)]));
  }

  async move(f: Frame, vip: Vip, to: NodeSpec): Promise<MoveOutcome> {
    const dest = destinationOf(vip);
    const eni = to.aws!.eni!;
    const ids = vip.aws!.routeTables!;
    const { api } = this.deps;
    const read = async () => targets(await api.routeTables(f, ids), ids, dest);
    const before = await read();
    const stale = ids.filter((t) => before.get(t) !== eni);
    if (stale.length === 0) return { changed: false, verifiedAt: f.clock.now() };
    // Before any route changes: a route to an interface that drops the packets is worse than none.
    const checked = (await api.sourceDestChecks(f, [eni])).get(eni);
    if (checked !== false)
      throw new ProviderError('invalid', sourceDestMessage(to.id, eni, checked === undefined), {
        code: 'SourceDestCheck',
      });
    for (const table of stale) {
      if (before.get(table) === undefined) await this.create(f, table, dest, eni);
      else await this.replace(f, table, dest, eni);
    }
    await f.poll(`${dest.cidr} → ${eni} in ${ids.join(', ')}`, read, (seen): PollVerdict => {
      const other = ids.find((t) => seen.get(t) !== eni && seen.get(t) !== undefined && seen.get(t) !== before.get(t));
      if (other) return { conflict: `${other} now routes ${dest.cidr} to ${seen.get(other)}, not ${eni}` };
      return ids.every((t) => seen.get(t) === eni) ? 'done' : 'wait';
    });
    return { changed: true, verifiedAt: f.clock.now(), detail: `${dest.cidr} → ${eni} in ${stale.join(', ')}` };
  }

  private async replace(f: Frame, table: string, dest: Destination, eni: string): Promise<void> {
    try {
      await this.deps.api.replaceRoute(f, table, dest, eni);
    } catch (err) {
      if (!(err instanceof ProviderError && isMissingRoute(err))) throw err;
      await this.deps.api.createRoute(f, table, dest, eni);
    }
  }

  private async create(f: Frame, table: string, dest: Destination, eni: string): Promise<void> {
    try {
      await this.deps.api.createRoute(f, table, dest, eni);
    } catch (err) {
      if (!(err instanceof ProviderError && err.details.code === 'RouteAlreadyExists')) throw err;
      await this.deps.api.replaceRoute(f, table, dest, eni);
    }
  }

  private holding(vip: Vip, tables: ReadonlyMap<string, Route[]>): Holding {
    const ids = vip.aws?.routeTables ?? [];
    const seen = targets(tables, ids, destinationOf(vip));
    const distinct = new Set(ids.map((t) => seen.get(t)));
    if (distinct.size === 1) return this.deps.enis.holding([...distinct][0]);
    const split = ids.map((t) => `${t}→${seen.get(t) ?? 'none'}`).join(', ');
    return { node: null, foreign: `split: ${split}` };
  }
}

/**
 * A ReplaceRoute that found no route: EC2 answers `InvalidParameterValue` ("There is no route
 * defined for … Use CreateRoute instead", as checked against AWS in getmoto/moto PR #6425);
 * `InvalidRoute.NotFound` is what DeleteRoute answers, accepted too in case a region differs.
 */
function isMissingRoute(err: ProviderError): boolean {
  const code = err.details.code;
  return (
    code === 'InvalidRoute.NotFound' || (code === 'InvalidParameterValue' && /no route defined/i.test(err.message))
  );
}

/** What an operator reads when an overlay route would go to an interface that drops its packets. */
export function sourceDestMessage(node: string, eni: string, unknown = false): string {
  if (unknown) return `node ${node}'s interface ${eni} was not found in EC2, so overlay traffic cannot be routed to it`;
  return (
    `node ${node}'s interface ${eni} has source/destination check on, so EC2 would drop every packet routed to it; ` +
    `turn it off: aws ec2 modify-network-interface-attribute --network-interface-id ${eni} --no-source-dest-check`
  );
}

/** The VIP's prefix as a route destination: the network address (host bits cleared) and its length. */
export function destinationOf(vip: Vip): Destination {
  const ip = vipAddress(vip);
  const p = parsePrefix(`${ip.text}/${ip.prefixLength}`)!;
  const hostBits = BigInt((p.family === 4 ? 32 : 128) - p.length);
  return { cidr: `${formatIp(p.family, (p.address >> hostBits) << hostBits)}/${p.length}`, family: p.family };
}

/**
 * Each table's target for `dest`: the interface id, or for routes to something else (a gateway,
 * a NAT) its id, so it never passes for one of our nodes; undefined when there is no such route.
 */
function targets(
  tables: ReadonlyMap<string, Route[]>,
  ids: readonly string[],
  dest: Destination,
): Map<string, string | undefined> {
  return new Map(
    ids.map((t) => {
      const r = routeTo(tables.get(t) ?? [], dest);
      return [
        t,
        r
          ? (r.NetworkInterfaceId ??
            r.InstanceId ??
            r.GatewayId ??
            r.NatGatewayId ??
            r.TransitGatewayId ??
            'unknown-target')
          : undefined,
      ];
    }),
  );
}
