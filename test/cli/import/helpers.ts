import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { importCommand } from '../../../cli/commands/import';
import { loadConfig, type Config } from '../../../core/config';

export const FIXTURES = 'test/cli/import/fixtures';

/** Runs `ipferry import …` with its output captured, and loads the config it wrote (if any). */
export async function runImport(
  ...argv: string[]
): Promise<{ code: number; out: string; err: string; config?: Config; text?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ipferry-import-'));
  const file = join(dir, 'cluster.yaml');
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await importCommand.run([...argv, '-o', file]);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    return {
      code,
      out: out.join('\n'),
      err: err.join('\n'),
      text,
      config: text === undefined ? undefined : loadConfig(text),
    };
  } finally {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `NAME: ucarp …` lines of a fixture as --node arguments. */
export function ucarpNodes(fixture: string): string[] {
  return readFileSync(join(FIXTURES, fixture), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .flatMap((l) => ['--node', `${l.slice(0, l.indexOf(':'))}=${l.slice(l.indexOf(':') + 1).trim()}`]);
}

/** What matters when an import is compared with a hand-written example. */
export function essentials(c: Config) {
  return {
    nodes: c.nodes.map((n) => ({ id: n.id, interface: n.interface, addresses: n.addresses })),
    vips: c.vips.map((v) => ({
      address: `${v.ip?.text}/${v.ip?.prefixLength}`,
      preferred: v.preferred,
      preempt: v.preempt,
    })),
    mode: c.control.mode,
    quorum: c.control.mode === 'peer' ? c.control.quorum : undefined,
  };
}
