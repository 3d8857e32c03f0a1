import type { Vip, VipKind } from '../../core/config';
import type { Provider } from '../../core/ports';
import { termSafe } from '../terminal-text';
import { isReaderGone, ReaderGone } from './output';
import { stamp, type FailoverReport } from './watch';

export interface StatusLike {
  nodes: Array<{ id: string; state: string }>;
  vips: Array<{ vip: string; node: string | null; bound: boolean | null }>;
}

/** Every node alive, every VIP on `node` and, where an agent binds it, bound (null: no host carries that kind). */
export function settledOn(s: StatusLike, node: string): boolean {
  return (
    s.nodes.every((n) => n.state === 'alive') &&
    s.vips.length > 0 &&
    s.vips.every((v) => v.node === node && v.bound !== false)
  );
}

/** Where the provider has each VIP, read through the real adapter ("web on web2, web-public on web2"). */
export async function holders(providers: ReadonlyMap<VipKind, Provider>, vips: readonly Vip[]): Promise<string> {
  const parts: string[] = [];
  for (const provider of new Set(vips.flatMap((v) => providers.get(v.kind) ?? []))) {
    const seen = await provider.observe(vips.filter((v) => providers.get(v.kind) === provider)).catch(() => undefined);
    for (const [vip, h] of seen ?? []) parts.push(`${termSafe(vip)} on ${termSafe(h.node ?? h.foreign ?? 'nobody')}`);
  }
  return parts.join(', ') || 'nothing it could read';
}

export function printSummary(say: (l: string) => void, reports: readonly FailoverReport[], holder: string): void {
  say(
    '\n  VIP          from → to     reason       state     detect  decide     API   total (crash → verified at the provider)  bound',
  );
  for (const r of reports) {
    const cells = [
      termSafe(r.vip).padEnd(12),
      termSafe(`${r.from} → ${r.to}`).padEnd(13),
      termSafe(r.reason).padEnd(11),
      r.state.padEnd(8),
      ms(r.detect_ms),
      ms(r.decide_ms),
      ms(r.api_ms),
      ms(r.total_ms).padEnd(41),
      r.bound_ms === null ? '—' : ms(r.bound_ms),
    ];
    say(`  ${cells.join(' ')}`);
  }
  const accepted = reports.filter((r) => r.accepted_ms !== null);
  for (const r of accepted)
    say(
      `  ${termSafe(r.vip)}: accepted by the provider at ${ms(r.accepted_ms!).trim()}, in sync at ${ms(r.total_ms).trim()} (the change propagates in between)`,
    );
  say(
    `  calls the emulator served meanwhile: ${
      Object.entries(reports[0]?.calls ?? {})
        .map(([a, n]) => `${a} ${n}`)
        .join(', ') || 'none'
    }${Object.keys(reports[0]?.errors ?? {}).length > 0 ? `; failed: ${JSON.stringify(reports[0]!.errors)}` : ''}`,
  );
  say(`\n  ${holder}. For comparison: Pacemaker's AWS agents monitor every 20–60 s,`);
  say('  Hetzner floating-IP controllers poll every 30 s, Route 53 failover takes 30 s and more.');
}

/**
 * While a provider works in silence (a Robot switch blocks 50 s, Route 53 is PENDING 30 s), a
 * line every 10 s says the demo is waiting, and on what calls so far: the events only show a
 * move's API steps once it has finished.
 */
export function waitingNote(
  since: number,
  say: (line: string) => void,
  calls: () => Record<string, number>,
): { heard(): void; stop(): void } {
  let last = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    const so =
      Object.entries(calls())
        .map(([a, n]) => `${a} ${n}`)
        .join(', ') || 'none answered yet';
    say(`${stamp(Date.now() - since)}  … still waiting (emulator calls answered so far: ${so})`);
  }, 1000);
  return {
    heard: () => {
      last = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}

function ms(n: number): string {
  return `${Math.round(n)} ms`.padStart(7);
}

export async function until(
  timeoutMs: number,
  check: () => Promise<boolean>,
  what: string,
  readerGone?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readerGone?.()) throw new ReaderGone();
    // A failed API read is retried; a reader that went away ends the demo.
    const ok = await check().catch((err: unknown) => {
      if (isReaderGone(err)) throw err;
      return false;
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`demo: timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
