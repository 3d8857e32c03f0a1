import type { Situation } from './situation';
import type { Diagnostic } from './types';

/**
 * Nodes that run different configs may disagree about who owns what (Momentum's UNSAFE). The
 * election goes on; the diagnostic tells the operator.
 */
export function configMismatch(situation: Situation, ownDigest: string | undefined): Diagnostic[] {
  const byDigest = new Map<string, string[]>();
  situation.model.nodes.forEach((n, i) => {
    const d = situation.views[i]?.configDigest;
    if (situation.alive[i] && d !== undefined) byDigest.set(d, [...(byDigest.get(d) ?? []), n.id]);
  });
  const digests = [...byDigest.keys()];
  const differs = digests.length > 1 || (ownDigest !== undefined && digests.length === 1 && digests[0] !== ownDigest);
  if (!differs) return [];
  const parts = [...byDigest].map(([d, ids]) => `${d}: ${ids.join(', ')}`);
  if (ownDigest !== undefined) parts.push(`decider: ${ownDigest}`);
  return [
    {
      kind: 'unsafe',
      nodes: [...byDigest.values()].flat().sort(),
      message: `nodes run different configs (${parts.join('; ')}); ownership may be disputed until they agree`,
    },
  ];
}

/** Two live hosts reporting the same VIP bound: on a LAN, both answer ARP for it. */
export function dualHolders(situation: Situation): Diagnostic[] {
  const holders = new Map<string, string[]>();
  situation.model.nodes.forEach((n, i) => {
    if (!situation.alive[i]) return;
    for (const vip of situation.views[i]?.held ?? []) holders.set(vip, [...(holders.get(vip) ?? []), n.id]);
  });
  return [...holders]
    .filter(([, ids]) => ids.length > 1)
    .map(([vip, ids]) => ({
      kind: 'dual-holder' as const,
      vip,
      nodes: ids,
      message: `${vip} is bound on ${ids.join(' and ')} at once`,
    }));
}
