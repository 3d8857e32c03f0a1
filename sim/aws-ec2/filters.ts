/**
 * Describe* filtering as EC2 does it: filters are ANDed, the values of one filter are ORed,
 * values may use `*` and `?` wildcards, `tag:Key` / `tag-key` / `tag-value` work on every
 * resource, and an unknown filter name is an error rather than silently matching everything
 * (so an adapter with a misspelt filter fails loudly in tests too).
 */
import { Ec2Error, invalidValue, type Filter } from './wire';
import type { Tags } from './state';

/** For each supported filter name, the values a record has for it. */
export type FilterFields<T> = Record<string, (record: T) => Array<string | undefined>>;

export function applyFilters<T extends { tags: Tags }>(records: T[], filters: Filter[], fields: FilterFields<T>): T[] {
  for (const f of filters) {
    if (!fields[f.name] && !f.name.startsWith('tag:') && f.name !== 'tag-key' && f.name !== 'tag-value') {
      throw invalidValue(`The filter '${f.name}' is invalid`);
    }
    if (f.values.length === 0) throw invalidValue(`The filter '${f.name}' has no values`);
  }
  return records.filter((r) =>
    filters.every((f) => valuesOf(r, f.name, fields).some((v) => f.values.some((p) => globMatch(p, v)))),
  );
}

function valuesOf<T extends { tags: Tags }>(r: T, name: string, fields: FilterFields<T>): string[] {
  if (name.startsWith('tag:')) {
    const v = r.tags[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  if (name === 'tag-key') return Object.keys(r.tags);
  if (name === 'tag-value') return Object.values(r.tags);
  return fields[name]!(r).filter((v): v is string => v !== undefined);
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/**
 * `MaxResults` / `NextToken` paging. The token is opaque to callers; here it is the offset.
 * EC2 refuses MaxResults together with explicit ids on these actions.
 */
export function page<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  idsGiven: boolean,
): { items: T[]; next?: string } {
  if (maxResults === undefined && nextToken === undefined) return { items };
  if (idsGiven)
    throw new Ec2Error('InvalidParameterCombination', 'The parameter MaxResults cannot be used with resource IDs');
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
    throw invalidValue(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  }
  let start = 0;
  if (nextToken !== undefined) {
    const m = /^offset-(\d+)$/.exec(Buffer.from(nextToken, 'base64').toString('utf8'));
    if (!m) throw invalidValue(`The token '${nextToken}' is invalid.`);
    start = Number(m[1]);
  }
  const size = maxResults ?? 1000;
  const slice = items.slice(start, start + size);
  const more = start + size < items.length;
  return { items: slice, next: more ? Buffer.from(`offset-${start + size}`).toString('base64') : undefined };
}
