import { BareMetalProvider, memoryRecord, type OwnerRecord } from '../../adapters/bare-metal';
import { lan } from '../helpers/configs';
import { providerContract } from './provider-contract';

/**
 * The LAN provider has no remote API: its truth is the owner record it writes (the agents bind what
 * it says). So the harness counts record writes as "changes", reads the holder from the record,
 * and checks its own invariant: every write names exactly one configured node.
 */
providerContract({
  name: 'bare-metal (lan)',
  async make() {
    const config = lan({ nodes: 4, vips: [{ name: 'vip-lan' }] });
    const ids = new Set(config.nodes.map((n) => n.id));
    const inner = memoryRecord();
    const writes: string[] = [];
    const record: OwnerRecord = {
      get: (vip) => inner.get(vip),
      set: (vip, node) => (writes.push(node), inner.set(vip, node)),
    };
    const node = (id: string) => config.nodes.find((n) => n.id === id)!;
    return {
      provider: new BareMetalProvider({ record }),
      vip: config.vips[0]!,
      nodes: { a: node('n1'), b: node('n2'), d: node('n3') },
      changesPerMove: 1,
      holder: async () => record.get('vip-lan') ?? null,
      calls: async () => ({ api: 0, changes: writes.length }),
      invariants: async () => {
        const violations = writes.filter((n) => !ids.has(n)).map((n) => `owner recorded as unknown node "${n}"`);
        return { ok: violations.length === 0, violations };
      },
      close: async () => undefined,
    };
  },
  notApplicable: {
    'wrong-place':
      'a LAN address has no provider topology: any node with an interface on the segment can carry it, and eligibility in the config decides which do',
    throttling: 'there is no API and so no rate limit: a move writes a record in memory',
    lag: "the owner record is read-your-writes in this process; there is no remote read to lag (heartbeat latency is the agents' concern)",
    deadline:
      'a move makes no remote call that could hang or fail; only an already passed deadline applies, and the common case covers it',
    'not-found': 'a LAN VIP names no provider resource: the address exists wherever an agent binds it',
    forbidden: 'there are no credentials: nothing is asked of anyone who could refuse',
  },
});
