import { termSafe } from './terminal-text';

/**
 * Columns padded to their widest cell; the last column is not padded. For people, not scripts
 * (--json). Cells are escaped and bounded here, so no printer can forget: most come from the network.
 */
export function table(header: readonly string[], cells: ReadonlyArray<readonly string[]>): string {
  const rows = cells.map((r) => r.map((c) => termSafe(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "1.2s", "340ms", "3m12s": short durations for tables. */
export function ms(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '-';
  if (n < 1000) return `${Math.round(n)}ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}s`;
  const m = Math.floor(n / 60_000);
  return `${m}m${Math.round((n % 60_000) / 1000)}s`;
}

/** ISO time without the date when it is today, for event lists. */
export function clock(at: number, now = Date.now()): string {
  const iso = new Date(at).toISOString();
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10)
    ? iso.slice(11, 23)
    : iso.replace('T', ' ').slice(0, 23);
}

/** "3 s ago", "250 ms ago", "4 min ago": how long since, for people reading a status. */
export function ago(elapsedMs: number | null | undefined): string {
  if (elapsedMs == null || !Number.isFinite(elapsedMs)) return 'never';
  const n = Math.max(0, elapsedMs);
  if (n < 1000) return `${Math.round(n)} ms ago`;
  if (n < 120_000) return `${Math.round(n / 1000)} s ago`;
  if (n < 2 * 3_600_000) return `${Math.round(n / 60_000)} min ago`;
  if (n < 2 * 86_400_000) return `${Math.round(n / 3_600_000)} h ago`;
  return `${Math.round(n / 86_400_000)} days ago`;
}
