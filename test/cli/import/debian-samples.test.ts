import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { importCommand } from '../../../cli/commands/import';
import { validate } from '../../../cli/commands/validate';

// Every VRRP sample Debian's keepalived package ships (`apt-get install keepalived`, as .ci/run
// does): each imports, says what it dropped with file:line and why, and writes a config that
// `ipferry validate` accepts. Absent samples fail the test: it must not pass by finding nothing.
const SAMPLES = '/usr/share/doc/keepalived/samples';
const WANTED = /^keepalived\.conf\.(vrrp(\..+)?|track_interface|IPv6)$/;
const EXPECTED = [
  'keepalived.conf.IPv6',
  'keepalived.conf.track_interface',
  'keepalived.conf.vrrp',
  'keepalived.conf.vrrp.localcheck',
  'keepalived.conf.vrrp.lvs_syncd',
  'keepalived.conf.vrrp.routes',
  'keepalived.conf.vrrp.rules',
  'keepalived.conf.vrrp.scripts',
  'keepalived.conf.vrrp.static_ipaddress',
  'keepalived.conf.vrrp.sync',
];

const dir = mkdtempSync(join(tmpdir(), 'ipferry-samples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function samples(): string[] {
  let names: string[];
  try {
    names = readdirSync(SAMPLES);
  } catch {
    names = [];
  }
  return names.filter((n) => WANTED.test(n)).sort();
}

async function captured(fn: () => Promise<number>) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await fn(), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

describe("ipferry import keepalived: Debian's VRRP samples", () => {
  it(`${SAMPLES} holds the VRRP samples (apt-get install keepalived)`, () => {
    expect(samples(), `no keepalived samples in ${SAMPLES}: install the keepalived package`).toEqual(
      expect.arrayContaining(EXPECTED),
    );
  });

  it.each(EXPECTED)('%s: imported, every drop named with file:line and why, the config valid', async (name) => {
    const path = join(SAMPLES, name);
    const out = join(dir, `${name}.yaml`);
    const imported = await captured(() =>
      importCommand.run(['keepalived', '--node', `lb1=${path}`, '-o', out, '--cluster', 'sample']),
    );
    expect(imported.code, imported.err.join('\n')).toBeLessThan(2);
    const dropped = imported.err.filter((l) => l.includes(': dropped: '));
    // Each dropped statement: where it was (this sample, a line) and why (after the dash).
    for (const line of dropped)
      expect(line).toMatch(new RegExp(`^\\s*${path.replace(/\./g, '\\.')}(?::\\d+)?: dropped: .+ — .+`));
    const summary = imported.err.find((l) => l.startsWith(`${out}:`));
    expect(summary, imported.err.join('\n')).toMatch(/: 1 nodes, \d+ VIPs(; (\d+) statements? dropped)?$/);
    const count = Number(/; (\d+) statements? dropped$/.exec(summary!)?.[1] ?? 0);
    expect(count).toBe(imported.code === 1 ? count : 0);
    expect(dropped.length).toBeLessThanOrEqual(count);
    const checked = await captured(() => validate.run([out]));
    expect(checked.code, checked.err.join('\n')).toBe(0);
    expect(checked.out[0]).toMatch(/ok — cluster sample, 1 nodes, \d+ VIPs, peer control plane/);
  });
});
