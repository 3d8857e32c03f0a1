import { describe, expect, it } from 'vitest';
import type { NodeSpec, Vip, VipKind } from '../../../core/config';
import { KindTable, refusalOf, type KindHandler } from '../../../adapters/provider-kit/kinds';
import { lan } from '../../helpers/configs';

/** The table every provider assembles its kinds in: lookup, grouping, the order of reads, refusals. */
const config = lan({ nodes: 2, vips: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }] });
const as = (name: string, kind: VipKind): Vip => ({ ...config.vips.find((v) => v.name === name)!, kind });
const node: NodeSpec = config.nodes[0]!;

/** A handler that records what it was asked (the read context is the log itself). */
function handler(kind: VipKind, refuse?: (vip: Vip) => string | undefined): KindHandler<string[], string[]> {
  return {
    kind,
    ...(refuse ? { refuse: (vip: Vip) => refuse(vip) } : {}),
    async observe(log, vips) {
      log.push(`${kind}: ${vips.map((v) => v.name).join(',')}`);
      return new Map(vips.map((v) => [v.name, { node: kind }]));
    },
    async move() {
      return { changed: false };
    },
  };
}

describe('KindTable', () => {
  const table = new KindTable([handler('aws-elastic-ip'), handler('aws-secondary-ip')]);

  it('serves the kinds it was given, in that order, and no other', () => {
    expect(table.kinds).toEqual(['aws-elastic-ip', 'aws-secondary-ip']);
    expect(table.get('aws-secondary-ip')?.kind).toBe('aws-secondary-ip');
    expect(table.get('lan')).toBeUndefined();
  });

  it('names the VIPs no handler serves', () => {
    const vips = [as('a', 'aws-secondary-ip'), as('b', 'lan'), as('c', 'aws-elastic-ip')];
    expect(table.unserved(vips).map((v) => v.name)).toEqual(['b']);
  });

  it("observes each kind's VIPs together, handler by handler, and leaves other kinds out", async () => {
    const log: string[] = [];
    const vips = [as('a', 'aws-secondary-ip'), as('b', 'lan'), as('c', 'aws-elastic-ip'), as('d', 'aws-secondary-ip')];
    const seen = await table.observe(log, vips);
    expect(log).toEqual(['aws-elastic-ip: c', 'aws-secondary-ip: a,d']);
    expect([...seen]).toEqual([
      ['c', { node: 'aws-elastic-ip' }],
      ['a', { node: 'aws-secondary-ip' }],
      ['d', { node: 'aws-secondary-ip' }],
    ]);
  });

  it('asks no handler whose kind has no VIP', async () => {
    const log: string[] = [];
    expect((await table.observe(log, [as('b', 'lan')])).size).toBe(0);
    expect(log).toEqual([]);
  });

  it('refuses two handlers for one kind', () => {
    expect(() => new KindTable([handler('lan'), handler('lan')])).toThrow('kind lan has two handlers');
  });
});

describe('refusalOf', () => {
  it("is the handler's refusal, none without a refuse check, and a throwing check's words", () => {
    const vip = as('a', 'lan');
    expect(
      refusalOf(
        handler('lan', () => 'no eni'),
        vip,
        node,
      ),
    ).toBe('no eni');
    expect(
      refusalOf(
        handler('lan', () => undefined),
        vip,
        node,
      ),
    ).toBeUndefined();
    expect(refusalOf(handler('lan'), vip, node)).toBeUndefined();
    const throwing = handler('lan', () => {
      throw new Error('VIP a has no address');
    });
    expect(refusalOf(throwing, vip, node)).toBe('VIP a has no address');
  });
});
