import { fnv1a } from '../../core/decide/model';

/**
 * The single-table layout. One partition per group holds its state (small items, read together);
 * events live in a partition of their own so that reading state never pages through history.
 *
 *   pk = G#<group>   sk = #META                       version, chunk map (the commit point)
 *                    sk = #LEASE                      tick lease: owner, expiresAt
 *                    sk = A#<chunk>#<version>#<writer> assignments of one chunk, immutable
 *                    sk = D#<node>                    drain flag
 *                    sk = N#<node>                    heartbeat record + replay guard
 *   pk = E#<group>   sk = <event id>                  events (TTL attribute expiresAt)
 */
export const TTL_ATTRIBUTE = 'expiresAt';

export const groupPk = (group: string): string => `G#${group}`;
export const eventsPk = (group: string): string => `E#${group}`;
export const META_SK = '#META';
export const LEASE_SK = '#LEASE';
export const nodeSk = (node: string): string => `N#${node}`;
export const drainSk = (node: string): string => `D#${node}`;
export const chunkSk = (chunk: string, version: number, writer: string): string =>
  `A#${chunk}#${String(version).padStart(12, '0')}#${writer}`;

/** Which chunk a VIP's assignment lives in: a stable hash, so a VIP never wanders between chunks. */
export function chunkOf(vip: string, chunkCount: number): string {
  return (fnv1a(vip) % chunkCount).toString(16).padStart(2, '0');
}

/** A chunk item's key suffix (version and writer) from its sort key. */
export function parseChunkSk(sk: string): { chunk: string; version: number; writer: string } | undefined {
  const m = /^A#([0-9a-f]{2})#(\d{12})#([A-Za-z0-9_-]+)$/.exec(sk);
  return m ? { chunk: m[1]!, version: Number(m[2]), writer: m[3]! } : undefined;
}
