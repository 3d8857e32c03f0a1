import type { ManagedVip } from './managed';

/** One managed VIP as `ipferry agent status` shows it. */
export interface VipStatus {
  name: string;
  kind: string;
  address: string;
  interface: string;
  /** held: bound and ours; pending: ours, not bound yet; releasing: bound, not ours; idle: neither. */
  state: 'held' | 'pending' | 'releasing' | 'idle';
  owned?: number;
  applied?: number;
  /** Why a pending VIP waits (EC2 has not assigned it yet) or the last bind failure. */
  detail?: string;
}

export function vipStatus(
  m: ManagedVip,
  s: {
    owned: number | undefined;
    applied: number | undefined;
    bound: boolean;
    waiting: string | undefined;
    fault: string | undefined;
  },
): VipStatus {
  const state = s.bound ? (s.owned !== undefined ? 'held' : 'releasing') : s.owned !== undefined ? 'pending' : 'idle';
  const detail = s.fault ?? s.waiting;
  return {
    name: m.name,
    kind: m.vip.kind,
    address: `${m.addr.address}/${m.addr.prefixLength}`,
    interface: m.addr.interface,
    state,
    ...(s.owned === undefined ? {} : { owned: s.owned }),
    ...(s.applied === undefined ? {} : { applied: s.applied }),
    ...(detail === undefined ? {} : { detail }),
  };
}
