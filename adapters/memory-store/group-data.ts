import type { Assignment } from '../../core/decide/types';
import type { ControlEvent, NodeRecord } from '../../core/ports';

/** One group's state as the memory store keeps it (and the file store writes it out). */
export interface GroupData {
  version: number;
  assignments: Map<string, Assignment>;
  nodes: Map<string, NodeRecord>;
  draining: Set<string>;
  lease?: { owner: string; expiresAt: number };
  /** Oldest first by id (ids start with the time); trimmed to the cap by id order. */
  events: Map<string, ControlEvent>;
}

export function emptyGroup(): GroupData {
  return { version: 0, assignments: new Map(), nodes: new Map(), draining: new Set(), events: new Map() };
}
