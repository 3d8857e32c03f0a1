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

  it('says what the network between the nodes must allow', async () => {
    const { out } = capture();
    expect(await validate.run(['examples/aws/ipferry.yaml'])).toBe(0);
    expect(out.slice(1)).toEqual([
      "  network: allow UDP 7402 between the nodes (witness heartbeats; in AWS a security group rule from the cluster's own group)",
      '  network: each node reaches the heartbeat function URL (HTTPS)',
    ]);
    expect(await validate.run(['examples/seeds/003-ucarp-active-passive.yaml'])).toBe(0);
    expect(out.at(-1)).toBe('  network: allow UDP 7401 between the nodes (peer heartbeats)');
  });

  it('prints every problem with its path and exits non-zero', async () => {
    const { err } = capture();
    const path = file(
      [
        'cluster: mail',
        'security: { psk: "0123456789abcdef0" }',
        'nodes:',
        '  - { id: mail01, interface: eth0 }',
        'vips:',
        '  - { name: a, address: 198.18.0.50/24, preferred: mail07 }',
        '  - { name: b, address: 198.18.0.50/24 }',
        '',
      ].join('\n'),
    );
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
    expect(JSON.parse(out[0]!)).toMatchObject({
      ok: false,
      issues: [{ path: 'nodes', message: 'required (expected array)' }],
    });
  });

  it('says plainly that a file is missing', async () => {
    const { err } = capture();
    expect(await validate.run(['/nonexistent/ipferry.yaml'])).toBe(1);
    expect(err).toEqual(['ipferry: no such file: /nonexistent/ipferry.yaml']);
  });

  it('says plainly that a file is empty (or only comments)', async () => {
    const { err } = capture();
    for (const text of ['', '\n  \n', '# nothing yet\n']) {
      const path = file(text);
      expect(await validate.run([path])).toBe(1);
      expect(err.pop()).toBe(`ipferry: ${path} is empty: expected a cluster description`);
    }
  });

  it('reports schema and cross-field problems in one round where the schema part parsed', async () => {
    const { err } = capture();
    const path = file(
      [
        'cluster: mail',
        'security: { psk: "0123456789abcdef0" }',
        'timers: { heartbeatInterval: soon }',
        'nodes:',
        '  - { id: mail01, interface: eth0 }',
        '  - { id: mail02, interface: eth0, weight: heavy }',
        '  - { id: mail03, interface: eth0 }',
        'checks:',
        '  smtp: { kind: smtp, target: "127.0.0.1:25", bogus: 1 }',
        'vips:',
        '  - { name: a, address: not-an-address }',
        '  - { name: b, address: 198.18.0.50/24, preferred: mail07 }',
        '  - { name: c, address: 198.18.0.50/24, checks: [smtp] }',
        '  - { name: d, address: 198.18.0.51/24, preferred: mail02 }',
        '  - { name: e, address: 198.18.0.52/24, preferred: mail03, checks: [imap] }',
        '',
      ].join('\n'),
    );
    expect(await validate.run([path])).toBe(1);
    const problems = err.slice(1);
    expect(err[0]).toBe(`${path}: ${problems.length} problems`);
    // The schema's: the refused entries themselves.
    expect(problems).toContain('  nodes[1].weight: unknown field "weight"');
    expect(problems).toContain('  checks.smtp.bogus: unknown field "bogus"');
    expect(problems.some((l) => l.startsWith('  vips[0].address: '))).toBe(true);
    expect(problems.some((l) => l.startsWith('  timers.heartbeatInterval: '))).toBe(true);
    // The cross-field ones, at the entries' original indices, found in the same round.
    expect(problems).toContain('  vips[1].preferred: node "mail07" is not defined in nodes');
    expect(problems).toContain('  vips[2].address: 198.18.0.50 is already used by vips[1]');
    expect(problems).toContain('  vips[4].checks[0]: check "imap" is not defined in checks');
    // Not echoes of a refused entry: mail02 and the smtp check exist, they were only malformed.
    expect(problems.join('\n')).not.toMatch(/"mail02" is not defined|"smtp" is not defined/);
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
