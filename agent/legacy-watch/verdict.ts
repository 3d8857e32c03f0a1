import type { VrrpAdvert } from './vrrp';

/**
 * What the watcher writes and the exec check reads: when it last looked, and the last old master
 * it heard. A file between them because exec checks run without capabilities (agent/hooks/
 * drop-caps.ts) and cannot capture packets themselves.
 */
export interface LegacyState {
  /** When the watcher last wrote (ms since the epoch): a stale file means no one is listening. */
  watcherAt: number;
  vrids: number[];
  lastMaster: { at: number; source: string; vrid: number; priority: number } | null;
}

/** Folds one advert into the state: only a master (priority > 0) from another host, for a watched VRID, counts. */
export function heard(state: LegacyState, advert: VrrpAdvert, at: number, ownAddresses: readonly string[]): LegacyState {
  if (!state.vrids.includes(advert.vrid)) return state;
  if (ownAddresses.includes(advert.source)) return state;
  // Priority 0 is a master saying it leaves; a backup will take over within its skew time and be
  // heard then, so the quiet period still runs from the last real advert.
  if (advert.priority === 0) return state;
  return { ...state, lastMaster: { at, source: advert.source, vrid: advert.vrid, priority: advert.priority } };
}

export interface Verdict {
  /** Stay passive: an old master was heard lately, or nothing can tell. */
  passive: boolean;
  why: string;
}

/**
 * Passive while an old master was heard within `quietMs` (give it keepalived's master-down
 * interval, 3 × advert_int, so silence means what a VRRP backup would take it to mean), and also
 * when the watcher's file is older than `staleMs`: not knowing must never look like silence.
 */
export function verdict(state: LegacyState | undefined, now: number, quietMs: number, staleMs: number): Verdict {
  if (state === undefined) return { passive: true, why: 'no legacy-watch state: is the watcher running?' };
  const age = now - state.watcherAt;
  if (age > staleMs) return { passive: true, why: `legacy-watch state is ${age} ms old (limit ${staleMs}): the watcher has stopped` };
  const m = state.lastMaster;
  if (m && now - m.at < quietMs) {
    return { passive: true, why: `old VRRP master ${m.source} heard ${now - m.at} ms ago (vrid ${m.vrid}, priority ${m.priority})` };
  }
  const last = m ? `last master ${m.source} ${now - m.at} ms ago` : 'none heard since the watcher started';
  return { passive: false, why: `no VRRP master for vrid ${state.vrids.join(',')} within ${quietMs} ms (${last})` };
}

/** Reads the file's text; undefined (passive) for anything that is not the shape written. */
export function parseState(text: string): LegacyState | undefined {
  try {
    const v = JSON.parse(text) as Partial<LegacyState>;
    if (typeof v.watcherAt !== 'number' || !Array.isArray(v.vrids)) return undefined;
    const m = v.lastMaster;
    if (m !== null && (typeof m !== 'object' || typeof m.at !== 'number' || typeof m.source !== 'string')) return undefined;
    return { watcherAt: v.watcherAt, vrids: v.vrids.filter((n): n is number => typeof n === 'number'), lastMaster: m ?? null };
  } catch {
    return undefined;
  }
}
