import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { formatIssue, parseConfigText } from '../../core/config';
import { termSafe } from '../terminal-text';
import type { ImportResult, Note } from './report';

/** The config as YAML, the header as comments above it. */
export function renderConfig(result: ImportResult): string {
  const comments = result.header.map((line) => `# ${line.replace(/\n/g, ' ')}`).join('\n');
  return `${comments}\n${stringify(result.config, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** One note per line; what the files said goes through termSafe, since they may carry escapes. */
export function formatNote(n: Note): string {
  return `${termSafe(n.where, 400)}: ${n.level === 'dropped' ? 'dropped' : 'warning'}: ${termSafe(n.what, 400)} — ${n.why}`;
}

/**
 * Validates the imported config as `ipferry validate` would, then writes it (or prints it) and the
 * notes. Exit 0: everything carried; 1: something dropped (the config is still written); 2: the
 * result does not validate, and nothing is written.
 */
export function finishImport(result: ImportResult, out: string | undefined): number {
  const text = renderConfig(result);
  const checked = parseConfigText(text, out ?? 'the imported config');
  if (!checked.ok) {
    console.error(`ipferry: the imported config does not validate, so nothing was written:`);
    for (const issue of checked.issues) console.error(`  ${termSafe(formatIssue(issue), 400)}`);
    for (const n of result.notes) console.error(`  ${formatNote(n)}`);
    return 2;
  }
  if (out) writeFileSync(out, text);
  else console.log(text);
  for (const n of result.notes) console.error(formatNote(n));
  const dropped = result.notes.filter((n) => n.level === 'dropped').length;
  console.error(
    `${out ?? 'config'}: ${checked.config.nodes.length} nodes, ${checked.config.vips.length} VIPs; ${dropped} statement${dropped === 1 ? '' : 's'} dropped`,
  );
  return dropped > 0 ? 1 : 0;
}
