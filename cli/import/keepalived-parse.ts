import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * A keepalived.conf read into statements: keepalived's grammar is line-based (one statement per
 * line, a trailing `{` opens a block closed by `}`), so each statement keeps the file and line it
 * came from, for the importer's list of what it dropped.
 */
export interface Statement {
  words: string[];
  children?: Statement[];
  file: string;
  line: number;
}

/** Where a statement came from, as "file:line". */
export const at = (s: { file: string; line: number }): string => `${s.file}:${s.line}`;

export class ImportError extends Error {
  constructor(where: string, reason: string) {
    super(`${where}: ${reason}`);
    this.name = 'ImportError';
  }
}

// Hostile input: keepalived itself bounds nothing, but an importer run on files from elsewhere must.
const MAX_FILE_BYTES = 1 << 20;
const MAX_TOTAL_BYTES = 8 << 20;
const MAX_FILES = 256;
const MAX_INCLUDE_DEPTH = 8;
const MAX_BLOCK_DEPTH = 32;

interface Token {
  text: string;
  quoted: boolean;
  line: number;
}

/** Words of each line: `#` and `!` start comments outside quotes (keepalived treats both alike). */
export function tokenize(text: string, file: string): Token[][] {
  const lines: Token[][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const tokens: Token[] = [];
    let j = 0;
    while (j < raw.length) {
      const c = raw[j]!;
      if (c === ' ' || c === '\t') {
        j++;
        continue;
      }
      if (c === '#' || c === '!') break;
      if (c === '"') {
        const end = raw.indexOf('"', j + 1);
        if (end < 0) throw new ImportError(`${file}:${line}`, 'a quoted string is not closed on its line');
        tokens.push({ text: raw.slice(j + 1, end), quoted: true, line });
        j = end + 1;
        continue;
      }
      if (c === '{' || c === '}') {
        tokens.push({ text: c, quoted: false, line });
        j++;
        continue;
      }
      let k = j;
      while (k < raw.length && !' \t{}#!"'.includes(raw[k]!)) k++;
      tokens.push({ text: raw.slice(j, k), quoted: false, line });
      j = k;
    }
    lines.push(tokens);
  });
  return lines;
}

interface ReadState {
  files: number;
  bytes: number;
  open: string[];
}

/** Reads a host's keepalived.conf with its includes followed, as one list of top-level statements. */
export function readKeepalived(path: string): Statement[] {
  return readFile(resolve(path), 0, { files: 0, bytes: 0, open: [] }, path);
}

function readFile(path: string, depth: number, state: ReadState, from: string): Statement[] {
  if (state.open.includes(path)) throw new ImportError(from, `include loop: ${[...state.open, path].join(' -> ')}`);
  if (++state.files > MAX_FILES) throw new ImportError(from, `more than ${MAX_FILES} files included`);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new ImportError(from, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (size > MAX_FILE_BYTES)
    throw new ImportError(
      from,
      `${path} is ${size} bytes, more than the ${MAX_FILE_BYTES} a keepalived.conf can sensibly be`,
    );
  state.bytes += size;
  if (state.bytes > MAX_TOTAL_BYTES)
    throw new ImportError(from, `the included files add up to more than ${MAX_TOTAL_BYTES} bytes`);
  const text = readFileSync(path, 'utf8');
  state.open.push(path);
  const shown = displayName(path);
  const flat = tokenize(text, shown).flatMap((tokens) => tokens);
  const out = parseBlock(flat, { i: 0 }, shown, 0, (words, line) => {
    if (depth + 1 > MAX_INCLUDE_DEPTH)
      throw new ImportError(`${shown}:${line}`, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
    const pattern = words[1];
    if (pattern === undefined) throw new ImportError(`${shown}:${line}`, 'include needs a file name');
    // keepalived resolves a relative include against the including file's folder.
    const target = isAbsolute(pattern) ? pattern : join(dirname(path), pattern);
    return expandGlob(target).flatMap((f) => readFile(f, depth + 1, state, `${shown}:${line}`));
  });
  state.open.pop();
  return out;
}

/** Paths in notes as the operator typed them: relative to where they ran the importer when below it. */
function displayName(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

type Include = (words: string[], line: number) => Statement[];

/** Statements until the closing `}` (or the end of the file at the top level). */
function parseBlock(tokens: Token[], pos: { i: number }, file: string, depth: number, include: Include): Statement[] {
  if (depth > MAX_BLOCK_DEPTH)
    throw new ImportError(`${file}:${tokens[pos.i]?.line ?? 0}`, `blocks nested deeper than ${MAX_BLOCK_DEPTH}`);
  const out: Statement[] = [];
  while (pos.i < tokens.length) {
    const first = tokens[pos.i]!;
    if (first.text === '}' && !first.quoted) {
      if (depth === 0) throw new ImportError(`${file}:${first.line}`, 'a "}" closes no block');
      pos.i++;
      return out;
    }
    const words: string[] = [];
    const line = first.line;
    while (pos.i < tokens.length && tokens[pos.i]!.line === line && !isBrace(tokens[pos.i]!))
      words.push(tokens[pos.i++]!.text);
    const next = tokens[pos.i];
    let children: Statement[] | undefined;
    if (next && next.text === '{' && !next.quoted) {
      pos.i++;
      children = parseBlock(tokens, pos, file, depth + 1, include);
      if (words.length === 0) {
        out.push(...children);
        continue;
      }
    }
    if (words.length === 0) continue;
    if (words[0] === 'include' && children === undefined) out.push(...include(words, line));
    else out.push({ words, file, line, ...(children ? { children } : {}) });
  }
  if (depth > 0)
    throw new ImportError(`${file}:${tokens.at(-1)?.line ?? 0}`, 'a block is not closed before the end of the file');
  return out;
}

function isBrace(t: Token): boolean {
  return !t.quoted && (t.text === '{' || t.text === '}');
}

/** glob(3) as keepalived uses it: `*`, `?` and `[...]` in any path component; no match is no file. */
export function expandGlob(path: string): string[] {
  if (!/[*?[]/.test(path)) return [path];
  const parts = path.split(sep);
  let found = [parts[0] === '' ? sep : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!/[*?[]/.test(part)) {
      found = found.map((d) => join(d, part));
      continue;
    }
    const re = globPart(part);
    found = found.flatMap((d) =>
      listDir(d)
        .filter((n) => re.test(n) && !n.startsWith('.'))
        .sort()
        .map((n) => join(d, n)),
    );
  }
  return found.filter((f) => isFile(f));
}

function globPart(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${part
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function listDir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

function isFile(f: string): boolean {
  try {
    return statSync(f).isFile() && basename(f) !== '';
  } catch {
    return false;
  }
}
