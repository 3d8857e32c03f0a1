import type { PeerDecision } from '../../core/peer';

/** Rule 3 (core/peer.ts): quorum held, unbroken, for deadAfter since the later of the start and the quorum. */
export function hasSettled(d: PeerDecision | undefined, startedAt: number, now: number, deadAfter: number): boolean {
  const since = Math.max(startedAt, d?.memory.quorumSince ?? now);
  return d?.quorum.ok === true && now - since >= deadAfter;
}
