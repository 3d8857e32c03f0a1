/** Reading the API's JSON as untrusted values: bounded text, finite numbers, plain objects, capped lists, and times as words. */

const MAX_TEXT = 300;
const MAX_ROWS = 500;

/** Any value as bounded text: strings as they are (the DOM shows them as text), the rest by type. */
export function text(v: unknown): string {
  const s =
    typeof v === 'string'
      ? v
      : typeof v === 'number' && Number.isFinite(v)
        ? String(v)
        : typeof v === 'boolean'
          ? String(v)
          : '';
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v.slice(0, MAX_ROWS) : [];
}

/** "250 ms", "1.3 s", "42 s", "3 min". */
export function duration(ms: number): string {
  const n = Math.max(0, ms);
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 10_000) return `${(n / 1000).toFixed(1)} s`;
  if (n < 120_000) return `${Math.round(n / 1000)} s`;
  if (n < 2 * 3_600_000) return `${Math.round(n / 60_000)} min`;
  if (n < 2 * 86_400_000) return `${Math.round(n / 3_600_000)} h`;
  return `${Math.round(n / 86_400_000)} days`;
}

export function ago(ms: number | undefined): string {
  return ms === undefined ? 'never' : `${duration(ms)} ago`;
}
