// Moves source files with `git mv` and rewrites every relative import that points at them (or
// that a moved file makes), so a reorganisation is one mechanical step instead of hand edits.
//
//   npx tsx scripts/move-files.ts moves.json [--dry-run]
//
// moves.json: { "old/path.ts": "new/path.ts", "old/folder": "new/folder", ... } relative to the
// repository root; a folder maps every tracked file under it (files named on their own, earlier, win). Imports are resolved as the build
// resolves them (no extension, `.ts`, `.js`, or a folder's `index.ts`) and rewritten in the same
// style. Files nobody moved are written only when one of their imports changed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/;
/** `from '…'`, `import '…'`, `import('…')`, `export … from '…'`, `vi.mock('…')`, `require('…')`. */
const SPECIFIER =
  /((?:\bfrom|\bimport|\bimport\s*\(|\bvi\.mock\s*\(|\brequire\s*\()\s*)(['"])(\.{1,2}\/[^'"]*|\.{1,2})\2/g;
const TRIES = ['', '.ts', '.tsx', '.js', '.mjs', '/index.ts', '/index.js'];

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' });
}

function listed(...args: string[]): string[] {
  return git('ls-files', ...args)
    .split('\n')
    .filter((f) => f !== '' && !f.startsWith('node_modules/'));
}

/** Every file move, folder entries expanded to the tracked files under them. */
function expand(moves: Record<string, string>, tracked: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [from, to] of Object.entries(moves)) {
    const folder = tracked.filter((f) => f.startsWith(`${from}/`));
    if (folder.length === 0) {
      if (!tracked.includes(from)) throw new Error(`${from} is not a tracked file or folder`);
      out.set(from, to);
    } else for (const f of folder) if (!out.has(f)) out.set(f, join(to, f.slice(from.length + 1)));
  }
  return out;
}

/** The file a relative specifier lands on, and the suffix the build added to find it. */
function resolveSpecifier(fromFile: string, spec: string): { file: string; added: string } | undefined {
  const base = join(dirname(fromFile), spec);
  for (const added of TRIES) {
    const abs = join(root, base + added);
    if (existsSync(abs) && statSync(abs).isFile()) return { file: base + added, added };
  }
  return undefined;
}

function rewrite(text: string, oldPath: string, newPath: string, moved: ReadonlyMap<string, string>): string {
  return text.replace(SPECIFIER, (whole, lead: string, quote: string, spec: string) => {
    const target = resolveSpecifier(oldPath, spec);
    if (!target) return whole;
    const newTarget = moved.get(target.file) ?? target.file;
    if (newPath === oldPath && newTarget === target.file) return whole;
    const stripped = target.added === '' ? newTarget : newTarget.slice(0, newTarget.length - target.added.length);
    let next = relative(dirname(newPath), stripped) || '.';
    if (!next.startsWith('.')) next = `./${next}`;
    return `${lead}${quote}${next}${quote}`;
  });
}

function main(): void {
  const [mapFile, flag] = process.argv.slice(2);
  if (!mapFile) throw new Error('usage: tsx scripts/move-files.ts moves.json [--dry-run]');
  const dryRun = flag === '--dry-run';
  const tracked = listed();
  const moved = expand(JSON.parse(readFileSync(mapFile, 'utf8')) as Record<string, string>, tracked);
  const sources = [...new Set([...tracked, ...listed('-o', '--exclude-standard')])].filter(
    (f) => SOURCE.test(f) && existsSync(join(root, f)),
  );
  const writes = new Map<string, string>();
  for (const file of sources) {
    const text = readFileSync(join(root, file), 'utf8');
    const target = moved.get(file) ?? file;
    const next = rewrite(text, file, target, moved);
    if (next !== text) writes.set(target, next);
  }
  for (const [from, to] of moved) {
    console.log(`move ${from} → ${to}`);
    if (dryRun) continue;
    mkdirSync(dirname(join(root, to)), { recursive: true });
    git('mv', from, to);
  }
  for (const [file, text] of writes) {
    console.log(`imports ${file}`);
    if (!dryRun) writeFileSync(join(root, file), text);
  }
}

main();
