import { z } from 'zod';
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './cross-checks';
import { formatIssue, fromZodIssues, type ConfigIssue } from './issues';
import type { Config } from './model';
import { normalize } from './normalize';
import { ConfigSchema } from './schema';

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates a config document (already parsed from YAML or JSON): every issue, not just the first. */
export function parseConfig(raw: unknown): ConfigResult {
  const parsed = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues) };
  const { config, issues } = normalize(parsed.data);
  issues.push(...crossCheck(config));
  return issues.length > 0 ? { ok: false, issues: issues.sort(byPath) } : { ok: true, config };
}

/** Document order: nodes[2] before nodes[10], fields of one entry together. */
function byPath(a: ConfigIssue, b: ConfigIssue): number {
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}

/** Parses YAML (JSON is YAML too) and validates it. Syntax errors are issues with line and column. */
export function parseConfigText(text: string): ConfigResult {
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
  return parseConfig(doc.toJS());
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
