import type { Vip } from '../../../core/config';
import { canonicalIp } from '../../../core/ip';
import type { Holding } from '../../../core/ports';
import { ProviderError } from '../../../core/reasons';
import type { Frame, MoveOutcome } from '../frame';
import { holderVerdict, vipAddress, type KindDeps } from './kind';

/**
 * IPv6 secondary addresses. EC2 never reassigns an IPv6 address (InvalidIPAddress.InUse), so a
 * move is two calls: UnassignIpv6Addresses on the old interface, then AssignIpv6Addresses on the
 * new one. Between the two the address has no holder; the move reports that gap (`gapMs`), measured
 * from sending the unassign to the assign's answer, so it is an upper bound.
 */
export async function observeIpv6(deps: KindDeps, f: Frame, vips: readonly Vip[]): Promise<Map<string, Holding>> {
  const holders = await deps.api.ipv6Holders(
    f,
    vips.map((v) => vipAddress(v).text),
  );
  return new Map(vips.map((v) => [v.name, deps.enis.holding(holders.get(canonical(vipAddress(v).text)))]));
}

export async function moveIpv6(deps: KindDeps, f: Frame, address: string, eni: string): Promise<MoveOutcome> {
  const { api } = deps;
  const ip = canonical(address);
  const holderNow = async () => (await api.ipv6Holders(f, [ip])).get(ip);
  const before = await holderNow();
  if (before === eni) return { changed: false, verifiedAt: f.clock.now() };

  let gapFrom: number | undefined;
  if (before !== undefined) {
    gapFrom = f.clock.now();
    await api.unassignIpv6(f, before, ip);
  }
  try {
    // Right after the unassign, EC2 may still count the address as in use elsewhere: that clears.
    await api.assignIpv6(f, eni, ip, (err) => gapFrom !== undefined && err.details.code === 'InvalidIPAddress.InUse');
  } catch (err) {
    if (gapFrom === undefined || !(err instanceof ProviderError)) throw err;
    throw new ProviderError(
      err.reason,
      `${ip} was unassigned from ${before} but assigning it to ${eni} failed, so nobody holds it now: ${err.message}`,
      {
        ...err.details,
        cause: err,
      },
    );
  }
  const gapMs = gapFrom === undefined ? undefined : f.clock.now() - gapFrom;
  await f.poll(`${ip} on ${eni}`, holderNow, (seen) => holderVerdict(seen, eni, before, ip));
  return {
    changed: true,
    verifiedAt: f.clock.now(),
    ...(gapMs === undefined ? {} : { gapMs }),
    detail: `${ip}: ${before ?? 'unassigned'} → ${eni} (unassign, then assign)`,
  };
}

function canonical(text: string): string {
  return canonicalIp(text) ?? text;
}
