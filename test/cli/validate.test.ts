import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { schema } from '../../cli/commands/schema';
import { validate } from '../../cli/commands/validate';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { out, err };
}

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipferry-validate-'));
  const path = join(dir, 'ipferry.yaml');
  writeFileSync(path, text);
  return path;
}

afterEach(() => vi.restoreAllMocks());

describe('ipferry validate', () => {
  it('accepts a good file and summarises it', async () => {
    const { out } = capture();
    expect(await validate.run(['examples/seeds/003-ucarp-active-passive.yaml'])).toBe(0);
    expect(out[0]).toMatch(/ok — cluster smtp-pair, 2 nodes, 1 VIPs, peer control plane, digest [0-9a-f]{16}/);
  });

  it('prints every problem with its path and exits non-zero', async () => {
    const { err } = capture();
    const path = file(['cluster: mail', 'security: { psk: "0123456789abcdef0" }', 'nodes:', '  - { id: mail01, interface: eth0 }', 'vips:', '  - { name: a, address: 198.18.0.50/24, preferred: mail07 }', '  - { name: b, address: 198.18.0.50/24 }', ''].join('\n'));
    expect(await validate.run([path])).toBe(1);
    expect(err).toEqual([
      `${path}: 2 problems`,
      '  vips[0].preferred: node "mail07" is not defined in nodes',
      '  vips[1].address: 198.18.0.50 is already used by vips[0]',
    ]);
  });

  it('answers --json for scripts', async () => {
    const { out } = capture();
    expect(await validate.run([file('cluster: x\n'), '--json'])).toBe(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: false, issues: [{ path: 'nodes', message: 'required (expected array)' }] });
  });

  it('reports a missing file as a problem, not a crash', async () => {
    const { err } = capture();
    expect(await validate.run(['/nonexistent/ipferry.yaml'])).toBe(1);
    expect(err[1]).toBe('  (file): cannot read /nonexistent/ipferry.yaml: ENOENT');
  });

  it('rejects bad usage with exit code 2', async () => {
    capture();
    expect(await validate.run([])).toBe(2);
    expect(await validate.run(['a', '--bogus'])).toBe(2);
  });
});

describe('ipferry schema', () => {
  it('prints a JSON Schema', async () => {
    const { out } = capture();
    expect(await schema.run([])).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ title: 'ipferry cluster configuration', type: 'object' });
  });
});
