import type { Vip } from './model';

/**
 * A VIP's order of succession, best first: `preferred` then its `successors`; empty when it has
 * none. Nodes not in it come after every listed one, equal among themselves (the least loaded
 * takes the VIP), which is also what ties in keepalived priorities or ucarp advskews import as.
 */
export function successionOf(v: Pick<Vip, 'preferred' | 'successors'>): string[] {
  return v.preferred === undefined ? [] : [v.preferred, ...(v.successors ?? [])];
}
