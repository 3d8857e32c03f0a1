/**
 * What etcd mode's decider needs besides the Store, kept as small as the ports in core/ports.ts
 * (the etcd implementations live with the store adapter, so this floor never imports a client).
 */

/** One leader at a time among everyone who campaigns under the same name. */
export interface Election {
  /**
   * Campaigns until elected, then calls `elected` once; calls `lost` once when this instance stops
   * leading or cannot campaign (its lease ended, etcd out of reach, resigned). A `lost` ends the
   * campaign: the caller campaigns again when it wants to.
   */
  campaign(events: { elected(): void; lost(reason: string): void }): { resign(): Promise<void> };
}

/** What the decider watches: any change to the group's node records or drain flags. */
export interface GroupChanges {
  /** Calls `changed` with what changed (for the tick's trigger detail), until stopped. */
  watch(changed: (detail: string) => void): { stop(): Promise<void> };
}
