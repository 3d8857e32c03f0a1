import { Counter, Gauge, type Registry } from 'prom-client';

/** One diagnosis that holds right now: its code (`no-quorum`, `dual-holder`, a provider's name…) and the VIP it concerns. */
export interface ActiveDiagnosis {
  code: string;
  vip?: string;
}

/** Per-VIP series kept at most; the per-code count still covers every one. */
export const MAX_DIAGNOSIS_SERIES = 100;
/** Distinct codes kept at most; any beyond share the code `other`. */
const MAX_CODES = 32;
const LABEL_CHARS = /[^A-Za-z0-9._:-]/g;

/**
 * A label value safe to expose whatever it came from: names from the config are identifiers
 * already, but a diagnosis may carry what a peer or a provider said. Characters outside the
 * identifier set become `_`, and the value is cut at 63; prom-client escapes what remains.
 */
export function labelValue(s: string): string {
  return s.replace(LABEL_CHARS, '_').slice(0, 63);
}

/**
 * Diagnoses as Prometheus metrics, for the agent (peer mode) and the control plane alike:
 * - `ipferry_diagnosis{code,vip}` 1 while a diagnosis holds (absent once it clears), for at most
 *   MAX_DIAGNOSIS_SERIES of them (sorted by code, then VIP) so a broken cluster cannot flood the scrape;
 * - `ipferry_diagnoses_active{code}` how many hold now, every one counted;
 * - `ipferry_diagnoses_total{code}` how many times one began to hold (an alert that fires and
 *   clears between two scrapes still leaves its count).
 */
export class DiagnosisMetrics {
  private readonly perVip: Gauge;
  private readonly active: Gauge;
  private readonly began: Counter;
  private readonly codes = new Set<string>();
  private current = new Set<string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.perVip = new Gauge({
      name: 'ipferry_diagnosis',
      help: 'A diagnosis that holds now, by code and VIP (empty vip: the whole cluster)',
      labelNames: ['code', 'vip'],
      registers,
    });
    this.active = new Gauge({
      name: 'ipferry_diagnoses_active',
      help: 'Diagnoses that hold now, by code',
      labelNames: ['code'],
      registers,
    });
    this.began = new Counter({
      name: 'ipferry_diagnoses_total',
      help: 'Times a diagnosis began to hold, by code',
      labelNames: ['code'],
      registers,
    });
  }

  /** Replaces what holds with `diagnoses` (the whole set, as the last decision found it). */
  set(diagnoses: readonly ActiveDiagnosis[]): void {
    const next = new Map<string, { code: string; vip: string }>();
    for (const d of diagnoses) {
      const labels = { code: this.code(d.code), vip: labelValue(d.vip ?? '') };
      next.set(`${labels.code}\u0000${labels.vip}`, labels);
    }
    const counts = new Map<string, number>();
    for (const [key, l] of next) {
      if (!this.current.has(key)) this.began.inc({ code: l.code });
      counts.set(l.code, (counts.get(l.code) ?? 0) + 1);
    }
    this.current = new Set(next.keys());
    this.perVip.reset();
    const shown = [...next.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_DIAGNOSIS_SERIES);
    for (const [, l] of shown) this.perVip.set(l, 1);
    this.active.reset();
    for (const code of this.codes) this.active.set({ code }, counts.get(code) ?? 0);
  }

  private code(raw: string): string {
    const code = labelValue(raw) || 'other';
    if (this.codes.has(code)) return code;
    if (this.codes.size >= MAX_CODES) {
      this.codes.add('other');
      return 'other';
    }
    this.codes.add(code);
    return code;
  }
}
