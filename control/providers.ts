import type { VipKind } from '../core/config/vips';
import type { Provider } from '../core/ports';

/**
 * Which provider moves VIPs of a kind. The loop asks per kind and does not care which exist: a
 * kind without a provider is either carried by the hosts alone (lan and friends: the new owner's
 * agent binds it) or a configuration gap, reported on every move.
 */
export type ProviderLookup = (kind: VipKind) => Provider | undefined;

export function providerLookup(
  providers: ReadonlyMap<VipKind, Provider> | ProviderLookup | readonly Provider[] = [],
): ProviderLookup {
  if (typeof providers === 'function') return providers;
  if (providers instanceof Map) return (kind) => providers.get(kind);
  const byKind = new Map<VipKind, Provider>();
  for (const p of providers as readonly Provider[]) for (const k of p.kinds) if (!byKind.has(k)) byKind.set(k, p);
  return (kind) => byKind.get(kind);
}
