import type { Logger } from 'pino';
import type { ManagedVip } from './managed';

/** The classified reason of a host failure (HostNetError carries one), else `transient`. */
export function reasonOf(err: unknown): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : 'transient';
}

export function sameEpochs(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [vip, epoch] of a) if (b.get(vip) !== epoch) return false;
  return true;
}

/** The same address on the same interface: a reload leaves such a VIP bound. */
export function sameAddress(a: ManagedVip, b: ManagedVip): boolean {
  const x = a.addr;
  const y = b.addr;
  return x.address === y.address && x.prefixLength === y.prefixLength && x.interface === y.interface;
}

/** Control lost (or regained): said once per change. */
export function logControl(logger: Logger, lost: boolean, cutOff: boolean, afterMs: number): void {
  const what = 'releasing VIPs with onControlLoss=release, holding the others';
  if (lost && cutOff) logger.warn(`cut off from most of the nodes it watches with no answer since: ${what}`);
  else if (lost) logger.warn({ afterMs }, `control plane out of reach for longer than ${afterMs} ms: ${what}`);
  else logger.info('control plane reachable again');
}
