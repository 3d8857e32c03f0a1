import type { Config, Vip } from '../core/config/model';
import type { Assignment } from '../core/decide';
import type { Holding, Provider } from '../core/ports';
import type { ControlContext } from './context';
import { errorText } from '../lib/log';

/** A VIP whose provider says it is somewhere other than where it was committed. */
export interface Drift {
  vip: Vip;
  assignment: Assignment;
  holding: Holding;
}

/**
 * Reads every provider's truth for the VIPs it moves (one observe per provider). A provider that
 * cannot answer is logged and left out: its VIPs are not judged this time, never guessed. A
 * provider read less than its `driftIntervalMs` ago is skipped (listed in `skipped`): Robot allows
 * 100 failover reads an hour, and a read every minute would spend 60 of them on drift alone.
 */
export async function observeAll(ctx: ControlContext): Promise<{
  truth: Map<string, Holding>;
  failures: Array<{ provider: string; error: string }>;
  skipped: Array<{ provider: string; nextAt: number }>;
}> {
  const byProvider = new Map<Provider, Vip[]>();
  // Appended in place: copying the list per VIP cost 220 ms a tick at 10,240 VIPs (bench:tick).
  for (const v of ctx.config.vips) {
    const p = ctx.providers(v.kind);
    if (!p) continue;
    const list = byProvider.get(p);
    if (list) list.push(v);
    else byProvider.set(p, [v]);
  }
  const truth = new Map<string, Holding>();
  const failures: Array<{ provider: string; error: string }> = [];
  const skipped: Array<{ provider: string; nextAt: number }> = [];
  const now = ctx.clock.now();
  await Promise.all(
    [...byProvider].map(async ([p, vips]) => {
      const last = ctx.driftReads?.get(p);
      if (last !== undefined && p.driftIntervalMs !== undefined && now - last < p.driftIntervalMs) {
        skipped.push({ provider: p.name, nextAt: last + p.driftIntervalMs });
        return;
      }
      ctx.driftReads?.set(p, now);
      try {
        for (const [vip, h] of await p.observe(vips)) truth.set(vip, h);
      } catch (err) {
        failures.push({ provider: p.name, error: errorText(err) });
        ctx.log.warn('observe failed', { provider: p.name, vips: vips.length, error: errorText(err) });
      }
      await diagnoseInRound(ctx, p, vips, now);
    }),
  );
  return { truth, failures, skipped };
}

/**
 * The provider's own findings (Provider.diagnose), read once per drift round at the provider's
 * drift pace and kept in `ctx.diagnoses`: status shows them with their age instead of reading.
 */
async function diagnoseInRound(ctx: ControlContext, p: Provider, vips: readonly Vip[], now: number): Promise<void> {
  if (!p.diagnose || !ctx.diagnoses) return;
  try {
    ctx.diagnoses.set(p, { at: now, found: await p.diagnose(vips) });
  } catch (err) {
    ctx.diagnoses.set(p, { at: now, found: ctx.diagnoses.get(p)?.found ?? [], error: errorText(err) });
    ctx.log.warn('diagnose failed', { provider: p.name, error: errorText(err) });
  }
}

/**
 * Committed owners the providers disagree with. An unowned VIP is left wherever it is (there is
 * nobody to give it to); VIPs that this tick moves anyway are skipped. A second holder next to the
 * right one (`foreign` beside `node`) is not drift a move could fix: the agents settle it.
 */
export function findDrift(
  config: Config,
  assignments: readonly Assignment[],
  truth: ReadonlyMap<string, Holding>,
  moving: ReadonlySet<string>,
): Drift[] {
  const byVip = new Map(assignments.map((a) => [a.vip, a]));
  const out: Drift[] = [];
  for (const vip of config.vips) {
    const a = byVip.get(vip.name);
    const h = truth.get(vip.name);
    if (!a || !h || a.node === null || moving.has(vip.name)) continue;
    if (h.node !== a.node) out.push({ vip, assignment: a, holding: h });
  }
  return out;
}

export function holderText(h: Holding): string {
  return h.node ?? h.foreign ?? 'nobody';
}
