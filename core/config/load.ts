import { z } from 'zod';
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './cross-checks';
import { formatIssue, fromZodIssues, type ConfigIssue } from './issues';
import type { Config } from './model';
import { normalize } from './normalize';
import { ConfigSchema } from './schema';

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates a config document (already parsed from YAML or JSON): every issue, not just the first.
 * Where the schema refuses some entries, the cross-field checks still run on the rest, so one
 * round of fixes is enough.
 */
export function parseConfig(raw: unknown): ConfigResult {
  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const schemaIssues = fromZodIssues(parsed.error.issues);
    const seen = new Set(schemaIssues.map(formatIssue));
    const more = crossIssuesOfSoundPart(raw, parsed.error.issues).filter((i) => !seen.has(formatIssue(i)));
    return { ok: false, issues: [...schemaIssues, ...more].sort(byPath) };
  }
  const { config, issues } = normalize(parsed.data);
  issues.push(...crossCheck(config));
  return issues.length > 0 ? { ok: false, issues: issues.sort(byPath) } : { ok: true, config };
}

/** Lists whose refused entries are set aside (indices mapped back in the issues), and the map of checks. */
const LISTS = ['nodes', 'vips', 'dns'] as const;
const ENTRY_REF = /\b(nodes|vips|dns)\[(\d+)\]/g;

/**
 * The cross-field issues of what the schema accepted: refused list entries and checks are left
 * out, any other refused section falls back to its default, and issues that concern anything left
 * out (by section, or by the quoted name of a dropped node, check or VIP) are not reported, since
 * they would only echo the schema's complaint. Nothing when what remains is not a config.
 */
function crossIssuesOfSoundPart(raw: unknown, refused: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const doc: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const badEntries = new Map<string, Set<number>>();
  const droppedSections = new Set<string>();
  const droppedNames = new Set<string>();
  for (const iss of refused) {
    const [top, entry] = iss.path;
    if (typeof top !== 'string') return [];
    if ((LISTS as readonly string[]).includes(top) && typeof entry === 'number' && Array.isArray(doc[top])) {
      badEntries.set(top, (badEntries.get(top) ?? new Set()).add(entry));
    } else if (top === 'checks' && typeof entry === 'string' && typeof doc.checks === 'object' && doc.checks !== null) {
      doc.checks = Object.fromEntries(Object.entries(doc.checks).filter(([name]) => name !== entry));
      droppedNames.add(entry);
    } else {
      delete doc[top];
      droppedSections.add(top);
    }
  }
  const kept = new Map<string, number[]>();
  for (const [list, bad] of badEntries) {
    const entries = doc[list] as unknown[];
    kept.set(
      list,
      entries.map((_, i) => i).filter((i) => !bad.has(i)),
    );
    for (const i of bad) {
      const e = entries[i] as { id?: unknown; name?: unknown } | null;
      for (const name of [e?.id, e?.name]) if (typeof name === 'string') droppedNames.add(name);
    }
    doc[list] = kept.get(list)!.map((i) => entries[i]);
  }
  const again = ConfigSchema.safeParse(doc);
  if (!again.success) return [];
  const { config, issues } = normalize(again.data);
  issues.push(...crossCheck(config));
  const original = (text: string) =>
    text.replace(ENTRY_REF, (ref, list: string, i: string) =>
      kept.has(list) ? `${list}[${kept.get(list)![Number(i)]}]` : ref,
    );
  return issues
    .filter(
      (i) =>
        !droppedSections.has(i.path.split(/[.[]/)[0]!) &&
        ![...droppedNames].some((name) => i.message.includes(`"${name}"`)),
    )
    .map((i) => ({ path: original(i.path), message: original(i.message) }));
}

/** Document order: nodes[2] before nodes[10], fields of one entry together. */
function byPath(a: ConfigIssue, b: ConfigIssue): number {
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}

/**
 * Parses YAML (JSON is YAML too) and validates it. Syntax errors are issues with line and column.
 * `source` (a file's path) names the document in the one problem that concerns it as a whole.
 */
export function parseConfigText(text: string, source = 'the document'): ConfigResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return { path: `(line ${at.line}, column ${at.col})`, message: e.message.split('\n')[0] ?? e.message };
      }),
    };
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined)
    return {
      ok: false,
      issues: [{ path: FILE_ISSUE_PATH, message: `${source} is empty: expected a cluster description` }],
    };
  return parseConfig(raw);
}

/** The path of issues about a config file as a whole (missing, unreadable, empty). */
export const FILE_ISSUE_PATH = '(file)';

/** A config file that could not be read, said plainly (the I/O itself is the caller's). */
export function unreadableFileIssue(path: string, err: unknown): ConfigIssue {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'ENOENT'
      ? `no such file: ${path}`
      : code === 'EACCES' || code === 'EPERM'
        ? `not allowed to read ${path} (permission denied)`
        : code === 'EISDIR'
          ? `${path} is a folder, not a config file`
          : `cannot read ${path}: ${code ?? (err instanceof Error ? err.message : String(err))}`;
  return { path: FILE_ISSUE_PATH, message };
}

/** Like parseConfig, but throws a ConfigError listing every issue. For callers that cannot go on without a config. */
export function loadConfig(raw: unknown): Config {
  const r = typeof raw === 'string' ? parseConfigText(raw) : parseConfig(raw);
  if (!r.ok) throw new ConfigError(r.issues);
  return r.config;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid config:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A JSON Schema of the config file, for editors (YAML language server, VS Code). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    title: 'ipferry cluster configuration',
  };
}
