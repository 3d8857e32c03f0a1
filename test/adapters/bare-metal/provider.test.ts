import { describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../../adapters/bare-metal';
import { lan } from '../../helpers/configs';

/** What the contract does not cover: the hosts' own reports as truth, and refusals. */
const config = lan({ nodes: 3, vips: [{ name: 'web' }, { name: 'mail' }, { name: 'db' }] });
const node = (id: string) => config.nodes.find((n) => n.id === id)!;
const vip = (name: string) => config.vips.find((v) => v.name === name)!;
const ctx = { epoch: 1, deadline: Date.now() + 60_000 };

describe('BareMetalProvider', () => {
  it("with hosts' reports injected, observe tells what the hosts say, not what was recorded", async () => {
    const reports = new Map<string, string[]>([
      ['web', []],
      ['mail', ['n2']],
      ['db', ['n3', 'n1']],
    ]);
    const asked: string[][] = [];
    const provider = new BareMetalProvider({ bound: async (vips) => (asked.push(vips.map((v) => v.name)), reports) });
    for (const v of ['web', 'mail', 'db']) await provider.move(vip(v), node('n1'), ctx);
    const seen = await provider.observe(config.vips);
    expect(asked).toEqual([['web', 'mail', 'db']]);
    expect(seen.get('web')).toEqual({ node: null }); // recorded on n1, but n1 has not bound it yet
    expect(seen.get('mail')).toEqual({ node: 'n2' });
    // Split brain stays visible: the recorded owner holds it, the other claimant is named.
    expect(seen.get('db')).toEqual({ node: 'n1', foreign: 'also bound on n3' });
  });

  it('a split brain between two nodes neither of which is recorded names the first and the other', async () => {
    const provider = new BareMetalProvider({ bound: async () => new Map([['web', ['n3', 'n2']]]) });
    expect((await provider.observe([vip('web')])).get('web')).toEqual({ node: 'n2', foreign: 'also bound on n3' });
  });

  it('without reports, observe tells the record, and an unrecorded VIP has no holder', async () => {
    const provider = new BareMetalProvider();
    await provider.move(vip('web'), node('n2'), ctx);
    const seen = await provider.observe([vip('web'), vip('mail')]);
    expect(seen.get('web')).toEqual({ node: 'n2' });
    expect(seen.get('mail')).toEqual({ node: null });
  });

  it('refuses a node without an interface, and kinds it does not serve, as invalid', async () => {
    const provider = new BareMetalProvider();
    const r = await provider.move(vip('web'), { id: 'bare', addresses: [] }, ctx);
    expect(r).toMatchObject({ ok: false, reason: 'invalid', calls: 0 });
    expect(!r.ok && r.message).toMatch(/interface/);
    const cloud = { ...vip('web'), kind: 'hetzner-floating-ip' as const };
    expect(await provider.move(cloud, node('n1'), ctx)).toMatchObject({ ok: false, reason: 'invalid' });
    await expect(provider.observe([cloud])).rejects.toMatchObject({ reason: 'invalid' });
    expect((await provider.observe([vip('web')])).get('web')).toEqual({ node: null });
  });

  it('has no budget to report', () => {
    expect(new BareMetalProvider().budget()).toEqual({ remaining: null, limit: null, resetAt: null });
  });
});
