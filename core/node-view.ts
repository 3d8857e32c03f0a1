import type { CheckState, NodeView } from './decide/types';

/** What a heartbeat says about its sender, as far as decisions care. */
export interface Observation {
  bootId: string;
  checks: Readonly<Record<string, { ok: boolean; detail?: string }>>;
  held: readonly string[];
  applied?: Readonly<Record<string, number>>;
  claiming?: readonly string[];
  leaving: boolean;
  configDigest?: string;
}

/**
 * Folds a heartbeat received at `receivedAt` (the receiver's clock) into what is known of its
 * sender. Liveness runs restart after a silence longer than deadAfter or a new boot, and a check's
 * `since` moves only when its state changes: preemptDelay counts from there.
 */
export function foldHeartbeat(
  prev: NodeView | undefined,
  id: string,
  obs: Observation,
  receivedAt: number,
  deadAfter: number,
): NodeView {
  const continuing =
    prev !== undefined &&
    prev.lastSeen !== null &&
    prev.aliveSince !== null &&
    !prev.leaving &&
    prev.bootId === obs.bootId &&
    receivedAt - prev.lastSeen <= deadAfter;
  const aliveSince = continuing ? prev.aliveSince : receivedAt;
  const checks: Record<string, CheckState> = {};
  for (const [name, c] of Object.entries(obs.checks)) {
    const before = continuing ? prev.checks[name] : undefined;
    checks[name] = {
      ok: c.ok,
      since: before && before.ok === c.ok ? before.since : receivedAt,
      ...(c.detail === undefined ? {} : { detail: c.detail }),
    };
  }
  return {
    id,
    bootId: obs.bootId,
    lastSeen: receivedAt,
    aliveSince,
    checks,
    held: [...obs.held],
    ...(obs.applied === undefined ? {} : { applied: { ...obs.applied } }),
    ...(obs.claiming === undefined ? {} : { claiming: [...obs.claiming] }),
    draining: prev?.draining ?? false,
    leaving: obs.leaving,
    ...(obs.configDigest === undefined ? {} : { configDigest: obs.configDigest }),
  };
}
