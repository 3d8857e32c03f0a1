import type { z } from 'zod';

/** One thing wrong with a config: where (a readable path such as `vips[2].preferred`) and what was expected. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_$][\w$]*$/.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out || '(root)';
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** zod's issues as ConfigIssues, phrased for people editing a YAML file. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) out.push({ path: formatPath([...iss.path, key]), message: `unknown field "${key}"` });
      continue;
    }
    out.push({ path: formatPath(iss.path), message: phrase(iss) });
  }
  return out;
}

function phrase(iss: z.core.$ZodIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined
        ? `required (expected ${iss.expected})`
        : `expected ${iss.expected}, got ${describe(iss.input)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(iss.input)}`;
    case 'invalid_union': {
      const options = 'options' in iss ? iss.options : undefined;
      if (iss.discriminator && options)
        return `expected ${iss.discriminator} to be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(valueAt(iss.input, iss.discriminator))}`;
      const expected = [...new Set(iss.errors.flat().flatMap((e) => (e.code === 'invalid_type' ? [e.expected] : [])))];
      return expected.length > 0 ? `expected ${expected.join(' or ')}, got ${describe(iss.input)}` : iss.message;
    }
    default:
      return iss.message;
  }
}

/** zod reports either the object or the discriminator's own value as the input. */
function valueAt(input: unknown, key: string): unknown {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)[key]
    : input;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}
