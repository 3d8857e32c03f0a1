import { statSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { duration, identifier } from '../../../core/config/primitives';
import type { HelperRequest } from './protocol';

/**
 * The hook helper's allow-list (/etc/ipferry/hook-helper.yaml): the only commands the helper runs,
 * each an exact argv. An element that is exactly one of the placeholders below becomes that value
 * of the request, as one argv element; nothing else of the request reaches the command. No shell,
 * no partial substitution ("--vip={vip}" is refused at load: one element, one meaning).
 *
 *   commands:
 *     restart-postfix: { argv: [/usr/bin/systemctl, restart, postfix.service], timeout: 30s }
 *     move-spool:      { argv: [/usr/local/sbin/move-spool, '{state}', '{address}'] }
 */
export const PLACEHOLDERS = ['{vip}', '{address}', '{interface}', '{state}', '{node}', '{epoch}'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

const element = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => (PLACEHOLDERS as readonly string[]).includes(s) || !/[{}]/.test(s), {
    message: `a placeholder is a whole element, one of ${PLACEHOLDERS.join(' ')}; no other braces`,
  });

const EntrySchema = z.strictObject({
  argv: z
    .array(element)
    .min(1)
    .max(64)
    .refine((a) => a[0]!.startsWith('/'), { message: 'the program is an absolute path (no PATH search)' }),
  /** The longest a run may take; the agent's hooks.timeout may cut it shorter. */
  timeout: duration.default(30_000),
});

const AllowListSchema = z.strictObject({ commands: z.record(identifier, EntrySchema) });

export type AllowEntry = z.output<typeof EntrySchema>;
export type AllowList = Map<string, AllowEntry>;

/** The allow-list in a file's text, or every problem with its path. */
export function parseAllowList(text: string): { ok: true; list: AllowList } | { ok: false; error: string } {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 0 });
  } catch (err) {
    return { ok: false, error: `not YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  const parsed = AllowListSchema.safeParse(doc);
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; '),
    };
  return { ok: true, list: new Map(Object.entries(parsed.data.commands)) };
}

/**
 * Reads the allow-list the way sudo reads sudoers: refused unless owned by root (or by the user
 * the helper runs as) and writable by nobody else, since whoever can write it can run anything as
 * root. Read again for every request, so an edit needs no restart and a bad edit refuses requests
 * (with the reason) instead of running an older list.
 */
export function loadAllowList(
  path: string,
  ownerUid: number = process.geteuid?.() ?? 0,
): { ok: true; list: AllowList } | { ok: false; error: string } {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    return { ok: false, error: `allow-list ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  if (!st.isFile()) return { ok: false, error: `allow-list ${path}: not a regular file` };
  if (st.uid !== 0 && st.uid !== ownerUid)
    return { ok: false, error: `allow-list ${path}: owned by uid ${st.uid}, not root: refused` };
  if ((st.mode & 0o022) !== 0)
    return {
      ok: false,
      error: `allow-list ${path}: writable by group or others (mode ${(st.mode & 0o777).toString(8)}): refused`,
    };
  if (st.size > 256 * 1024) return { ok: false, error: `allow-list ${path}: larger than 256 KiB` };
  const parsed = parseAllowList(readFileSync(path, 'utf8'));
  return parsed.ok ? parsed : { ok: false, error: `allow-list ${path}: ${parsed.error}` };
}

/** The argv one request runs: the entry's, each placeholder element replaced by the request's value. */
export function renderArgv(entry: AllowEntry, request: HelperRequest): string[] {
  const values: Record<Placeholder, string> = {
    '{vip}': request.vip,
    '{address}': request.address,
    '{interface}': request.interface,
    '{state}': request.state,
    '{node}': request.node,
    '{epoch}': String(request.epoch),
  };
  return entry.argv.map((e) => (Object.hasOwn(values, e) ? values[e as Placeholder] : e));
}
