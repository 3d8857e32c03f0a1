import type { Config } from '../../core/config';
import type { NodeView } from '../../core/decide';

/** One peer as `ipferry agent status` shows it (PeerStatus.peers). */
export interface PeerEntry {
  node: string;
  /** Heard within deadAfter (and not leaving): what decide() counts as alive. */
  heard: boolean;
  /** null: never heard since this agent started. */
  lastSeenMsAgo: number | null;
  held: readonly string[];
  /** The config digest its last heartbeat carried: a peer on another config shows here. */
  digest?: string;
}

/** Every other node of the config, heard or not, in config order. */
export function peerEntries(
  config: Config,
  self: string,
  views: ReadonlyMap<string, NodeView>,
  now: number,
): PeerEntry[] {
  return config.nodes
    .filter((n) => n.id !== self)
    .map((n) => {
      const v = views.get(n.id);
      const ago = v?.lastSeen == null ? null : now - v.lastSeen;
      return {
        node: n.id,
        heard: ago !== null && ago <= config.timers.deadAfter && !v?.leaving,
        lastSeenMsAgo: ago,
        held: v?.held ?? [],
        ...(v?.configDigest ? { digest: v.configDigest } : {}),
      };
    });
}
