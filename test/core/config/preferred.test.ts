import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configDigest, formatIssue, loadConfig, parseConfig, successionOf } from '../../../core/config';

const base = {
  cluster: 'mail',
  security: { psk: 'a-long-enough-secret-key' },
  nodes: ['n1', 'n2', 'n3'].map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
};
const withVip = (vip: Record<string, unknown>) => ({
  ...base,
  vips: [{ name: 'v', address: '198.18.0.50/24', ...vip }],
});
const errorsOf = (raw: unknown): string[] => {
  const r = parseConfig(raw);
  return r.ok ? [] : r.issues.map(formatIssue);
};

describe('config: preferred as an order of succession', () => {
  it('a single node stays what it was: preferred, no successors, the same digest', () => {
    const c = loadConfig(withVip({ preferred: 'n2' }));
    expect(c.vips[0]).toMatchObject({ preferred: 'n2' });
    expect(c.vips[0]!.successors).toBeUndefined();
    expect(successionOf(c.vips[0]!)).toEqual(['n2']);
    // The README's validate sample (seed 003, a single preferred node) keeps its digest.
    const seed003 = loadConfig(readFileSync('examples/seeds/003-ucarp-active-passive.yaml', 'utf8'));
    expect(configDigest(seed003)).toBe('4f3a971bfeb6a06c');
  });

  it('a list: the first is `preferred`, the rest its successors, in order', () => {
    const c = loadConfig(withVip({ preferred: ['n3', 'n1'] }));
    expect(c.vips[0]).toMatchObject({ preferred: 'n3', successors: ['n1'] });
    expect(successionOf(c.vips[0]!)).toEqual(['n3', 'n1']);
    expect(successionOf(loadConfig(withVip({})).vips[0]!)).toEqual([]);
    // A one-element list is the single node, digest included.
    expect(configDigest(loadConfig(withVip({ preferred: ['n2'] })))).toBe(
      configDigest(loadConfig(withVip({ preferred: 'n2' }))),
    );
  });

  it.each([
    [{ preferred: ['n2', 'n9'] }, 'vips[0].preferred[1]: node "n9" is not defined in nodes'],
    [{ preferred: ['n2', 'n3', 'n2'] }, 'vips[0].preferred[2]: node "n2" is already listed at preferred[0]'],
    [
      { preferred: ['n1', 'n3'], eligible: { nodes: ['n1', 'n2'] } },
      'vips[0].preferred[1]: node "n3" is not among eligible.nodes',
    ],
    [{ preferred: 'n9' }, 'vips[0].preferred: node "n9" is not defined in nodes'],
  ])('%j is refused: %s', (vip, message) => {
    expect(errorsOf(withVip(vip))).toContain(message);
  });

  it('an empty list is refused by the schema', () => {
    expect(errorsOf(withVip({ preferred: [] })).join('\n')).toMatch(/vips\[0\]\.preferred/);
  });
});
