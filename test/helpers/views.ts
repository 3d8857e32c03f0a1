import type { Assignment, CheckState, NodeView } from '../../core/decide';

export const NOW = 10_000_000;

/** A node heard from `ago` ms before NOW, alive for `upFor` ms, with the given checks passing since `upFor`. */
export function up(
  id: string,
  opts: {
    ago?: number;
    upFor?: number;
    checks?: Record<string, boolean>;
    draining?: boolean;
    leaving?: boolean;
    held?: string[];
    digest?: string;
  } = {},
): NodeView {
  const upFor = opts.upFor ?? 3_600_000;
  const checks: Record<string, CheckState> = {};
  for (const [c, ok] of Object.entries(opts.checks ?? {}))
    checks[c] = { ok, since: NOW - upFor, ...(ok ? {} : { detail: 'refused' }) };
  return {
    id,
    bootId: `${id}-boot`,
    lastSeen: NOW - (opts.ago ?? 0),
    aliveSince: NOW - upFor,
    checks,
    held: opts.held ?? [],
    draining: opts.draining ?? false,
    leaving: opts.leaving ?? false,
    ...(opts.digest ? { configDigest: opts.digest } : {}),
  };
}

/** A node last heard from `ago` ms before NOW. */
export function silent(id: string, ago: number): NodeView {
  return up(id, { ago });
}

/** Current assignments: vip → node, held for `heldFor` ms. */
export function owned(
  map: Record<string, string | null>,
  opts: { heldFor?: number; epoch?: number; moves?: number[] } = {},
): Assignment[] {
  return Object.entries(map).map(([vip, node]) => ({
    vip,
    node,
    epoch: opts.epoch ?? 1,
    since: NOW - (opts.heldFor ?? 3_600_000),
    moves: opts.moves ?? [],
  }));
}
