import type { Vip } from '../../../core/config';
import { ProviderError } from '../../../core/reasons';
import type { Ec2Api } from './api';
import type { KindHandler } from '../../provider-kit/kinds';
import type { Frame, PollVerdict } from '../frame';
import type { EniDirectory } from './nodes';

/** What every EC2 VIP kind's handler gets: the API and the interface directory. */
export interface KindDeps {
  api: Ec2Api;
  enis: EniDirectory;
}

/**
 * One VIP kind on EC2: the adapters' KindHandler over the AWS frame. `refuse` runs before any call
 * (a move that can never succeed is `invalid` and costs nothing); `move` observes, acts only when
 * needed, then reads back until EC2 agrees.
 */
export type Ec2Kind = KindHandler<Frame>;

/** The VIP's parsed address; config validation guarantees it for every EC2 kind. */
export function vipAddress(vip: Vip): NonNullable<Vip['ip']> {
  if (!vip.ip) throw new ProviderError('invalid', `VIP ${vip.name} has no address`, { code: 'no-address' });
  return vip.ip;
}

/**
 * The verdict of a read-back after a move from `before` to `target`: done when the target holds
 * it; wait while the read still shows the old holder (or none: reads lag writes); a third holder
 * means somebody else moved it meanwhile, which we report instead of fighting over it.
 */
export function holderVerdict(
  seen: string | undefined,
  target: string,
  before: string | undefined,
  what: string,
): PollVerdict {
  if (seen === target) return 'done';
  if (seen === undefined || seen === before) return 'wait';
  return {
    conflict: `${what} is now held by ${seen}, neither ${target} (asked for) nor ${before ?? 'nobody'} (before the move)`,
  };
}
