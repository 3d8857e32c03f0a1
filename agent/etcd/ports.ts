import type { Assignment } from '../../core/decide';
import type { NodeRecord } from '../../core/ports';

/**
 * What an agent in etcd mode needs of etcd, as two small ports (the etcd implementations live
 * with the store adapter and are wired in agent/etcd/runtime.ts, so the rest of agent/ never
 * imports a client).
 */

/** This node's record under its etcd lease: liveness is the lease, not our heartbeats. */
export interface NodeSession {
  /**
   * Writes the record under the node's lease, granting a new lease first when the last one ended
   * (etcd then deleted the old record). Throws with the reason when etcd refuses or is out of reach.
   */
  put(record: NodeRecord): Promise<void>;
  /** Whether the lease is known alive now: granted, and kept alive within its TTL. */
  alive(): boolean;
  /** Revokes the lease, which deletes the record at once (a planned stop). */
  close(): Promise<void>;
}

/** The group's committed assignments as etcd's watch last showed them. */
export interface AssignmentWatch {
  /** The last state seen, or undefined before the first read. */
  current(): { version: number; assignments: readonly Assignment[] } | undefined;
  /** Calls `changed` after every change of the assignments (and after the first read). */
  onChange(changed: () => void): void;
  close(): Promise<void>;
}
