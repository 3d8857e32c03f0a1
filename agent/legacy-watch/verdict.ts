import type { VrrpAdvert } from './vrrp';

/**
 * What the watcher knows: since when it listens, and the last old master it heard. It reaches the
 * exec check as a file (stateLine) because exec checks run without capabilities (agent/hooks/
 * drop-caps.ts) and cannot capture packets themselves.
 */
export interface LegacyState {
  /** When the watcher started listening (ms since the epoch). */
  startedAt: number;
  vrids: number[];
  lastMaster: { at: number; source: string; vrid: number; priority: number } | null;
}

/** Folds one advert into the state: only a master (priority > 0) from another host, for a watched VRID, counts. */
export function heard(
  state: LegacyState,
  advert: VrrpAdvert,
  at: number,
  ownAddresses: readonly string[],
): LegacyState {
  if (!state.vrids.includes(advert.vrid)) return state;
  if (ownAddresses.includes(advert.source)) return state;
  // Priority 0 is a master saying it leaves; a backup will take over within its skew time and be
  // heard then, so the quiet period still runs from the last real advert.
  if (advert.priority === 0) return state;
  return { ...state, lastMaster: { at, source: advert.source, vrid: advert.vrid, priority: advert.priority } };
}

/** The first line of the state file: what it is, and the version of this format. */
export const STATE_TAG = 'ipferry-legacy-vrrp 1';

/**
 * When silence has lasted `quietMs` (give it keepalived's master-down interval, 3 × advert_int, so
 * silence means what a VRRP backup would take it to mean): counted from the last master heard, and
 * never before the watcher itself has listened that long — a watcher started a moment ago has
 * heard nothing because it has not listened yet, not because no master is there.
 */
export function clearFrom(state: LegacyState, quietMs: number): number {
  return Math.max(state.startedAt, state.lastMaster?.at ?? 0) + quietMs;
}

/**
 * The file the exec check reads (check.sh), one line of words so bash's `read` takes it apart:
 *   ipferry-legacy-vrrp 1 WRITTEN_AT_MS CLEAR_FROM_MS WHY…
 * The check stays passive when WRITTEN_AT is older than its stale limit (not knowing must never
 * look like silence) and until CLEAR_FROM; WHY is for its message. The watcher decides when silence
 * starts; the check only compares two numbers with its clock, so it needs no program of its own.
 */
export function stateLine(state: LegacyState, now: number, quietMs: number): string {
  const m = state.lastMaster;
  const why = m
    ? `last VRRP master ${m.source} (vrid ${m.vrid}, priority ${m.priority}) at ${new Date(m.at).toISOString()}, quiet period ${quietMs} ms`
    : `no VRRP master for vrid ${state.vrids.join(',')} heard since the watcher started at ${new Date(state.startedAt).toISOString()}, quiet period ${quietMs} ms`;
  return `${STATE_TAG} ${Math.trunc(now)} ${Math.trunc(clearFrom(state, quietMs))} ${why}\n`;
}
