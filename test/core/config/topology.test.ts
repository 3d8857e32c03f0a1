import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { managedVips } from '../../../agent/reconcile/managed';
import { validate } from '../../../cli/commands/validate';
import {
  canCarry,
  configDigest,
  formatIssue,
  interfaceFor,
  loadConfig,
  parseConfig,
  type Config,
} from '../../../core/config';
import { example } from '../../helpers/configs';

const nodes = [
  { id: 'mta1', addresses: ['198.18.2.11'] },
  { id: 'mta2', addresses: ['198.18.2.12'] },
  { id: 'mta3', interface: 'eth0', addresses: ['198.18.2.13'] },
];

function cluster(topology: unknown[] | undefined, vips: unknown[]): Record<string, unknown> {
  return {
    cluster: 'momentum',
    control: { mode: 'peer' },
    security: { psk: 'a-long-enough-secret-key' },
    nodes,
    ...(topology ? { topology } : {}),
    vips,
  };
}

function errorsOf(raw: unknown): string[] {
  const r = parseConfig(raw);
  return r.ok ? [] : r.issues.map(formatIssue);
}

/** Where each node would plumb the VIP (undefined: it cannot carry it). */
function placement(c: Config, vip: string): Record<string, string | undefined> {
  const v = c.vips.find((x) => x.name === vip)!;
  return Object.fromEntries(c.nodes.map((n) => [n.id, canCarry(v, n) ? interfaceFor(v, n) : undefined]));
}

const SEGMENTS = [
  { cidr: '198.18.10.0/24', interface: 'eth1' },
  { cidr: '198.18.20.0/24', interface: 'eth2', perNode: { mta3: 'bond0' } },
  { cidr: '198.18.0.0/16', interface: 'eth9' },
  { cidr: '198.19.0.0/24', interface: 'eth3', nodes: ['mta1', 'mta2'] },
  { cidr: '2001:db8:10::/64', interface: 'eth1' },
];

describe('topology: a lan VIP is plumbed on the interface of the segment its address falls in', () => {
  it.each<[string, Record<string, unknown>, Record<string, string | undefined>]>([
    ['by its block', { address: '198.18.10.1/32' }, { mta1: 'eth1', mta2: 'eth1', mta3: 'eth1' }],
    ['a per-node override', { address: '198.18.20.1/32' }, { mta1: 'eth2', mta2: 'eth2', mta3: 'bond0' }],
    ['the most specific block wins', { address: '198.18.30.1/32' }, { mta1: 'eth9', mta2: 'eth9', mta3: 'eth9' }],
    [
      'a segment only some nodes are on: never moves to the others',
      { address: '198.19.0.7/32' },
      { mta1: 'eth3', mta2: 'eth3', mta3: undefined },
    ],
    ['IPv6 blocks alike', { address: '2001:db8:10::5/128' }, { mta1: 'eth1', mta2: 'eth1', mta3: 'eth1' }],
    [
      "the VIP's own interface beats its segment's",
      { address: '198.18.10.1/32', interface: 'eth7' },
      { mta1: 'eth7', mta2: 'eth7', mta3: 'eth7' },
    ],
  ])('%s', (_, vip, want) => {
    const c = loadConfig(cluster(SEGMENTS, [{ name: 'v', ...vip }]));
    expect(placement(c, 'v')).toEqual(want);
  });

  it("without a topology the node's interface is used, and nothing new enters the model or the digest", () => {
    const c = loadConfig(cluster(undefined, [{ name: 'v', address: '198.18.10.1/32', interface: 'eth1' }]));
    expect(c.topology).toBeUndefined();
    expect('interfaceByNode' in c.vips[0]!).toBe(false);
    const bare = loadConfig(cluster(undefined, [{ name: 'v', address: '198.18.10.1/32' }]));
    expect(placement(bare, 'v')).toEqual({ mta1: undefined, mta2: undefined, mta3: 'eth0' });
    // Declaring the topology is a change of config: agents with and without it say so.
    const withTopology = loadConfig(cluster(SEGMENTS, [{ name: 'v', address: '198.18.10.1/32', interface: 'eth1' }]));
    expect(configDigest(withTopology)).not.toBe(configDigest(c));
  });

  it('the agent plumbs what the topology says (seed 004: bindings on eth1, the other network on eth2)', () => {
    const c = example('seeds/004-duravip.yaml');
    const { managed, skipped } = managedVips(c, c.nodes[2]!);
    expect(skipped).toEqual([]);
    expect(managed.map((m) => [m.name, `${m.addr.address}/${m.addr.prefixLength}`, m.addr.interface])).toEqual([
      ['duravip-1', '198.18.10.1/32', 'eth1'],
      ['duravip-2', '198.18.10.2/32', 'eth1'],
      ['bindingname', '198.18.20.1/32', 'eth2'],
      ['listener-1', '198.18.10.50/32', 'eth1'],
    ]);
  });
});

describe('topology: validate flags lan VIPs off every segment, ambiguous matches and bad entries', () => {
  const two = [
    { cidr: '198.18.10.0/24', interface: 'eth1' },
    { cidr: '198.18.20.0/24', interface: 'eth2', nodes: ['mta3'] },
  ];
  it.each<[string, unknown[], unknown[], string[]]>([
    [
      'outside every segment: the name, the address and the segments it was checked against',
      two,
      [{ name: 'stray', address: '198.18.30.1/32' }],
      [
        'vips[0].address: lan VIP "stray" (198.18.30.1) is outside every segment of the nodes that may carry it (mta1, mta2: 198.18.10.0/24; mta3: 198.18.10.0/24, 198.18.20.0/24); add its network to topology or correct the address',
      ],
    ],
    [
      'only the segments of the nodes that may carry it count',
      two,
      [{ name: 'v', address: '198.18.20.5/32', eligible: { nodes: ['mta1', 'mta2'] } }],
      [
        'vips[0].address: lan VIP "v" (198.18.20.5) is outside every segment of the nodes that may carry it (mta1, mta2: 198.18.10.0/24); add its network to topology or correct the address',
      ],
    ],
    ['inside a segment of one node that may carry it: fine', two, [{ name: 'v', address: '198.18.20.5/32' }], []],
    [
      'the same block on two interfaces is ambiguous',
      [...two, { cidr: '198.18.10.0/24', interface: 'eth5', nodes: ['mta2'] }],
      [{ name: 'v', address: '198.18.10.9/32' }],
      [
        'vips[0].address: lan VIP "v" (198.18.10.9) is matched by topology[0] (198.18.10.0/24 on eth1) and topology[2] (198.18.10.0/24 on eth5) on mta2: which interface is ambiguous; remove one entry or set vips[0].interface',
      ],
    ],
    [
      'not when both say the same interface, or the VIP names its own',
      [...two, { cidr: '198.18.10.0/24', interface: 'eth1' }, { cidr: '198.18.20.0/24', interface: 'eth6' }],
      [
        { name: 'a', address: '198.18.10.9/32' },
        { name: 'b', address: '198.18.20.9/32', interface: 'eth2' },
      ],
      [],
    ],
    [
      'bad entries: host bits, unknown nodes, an override for a node off the segment',
      [
        { cidr: '198.18.10.7/24', interface: 'eth1', nodes: ['mta1', 'mta9'], perNode: { mta3: 'eth4', mta8: 'x' } },
        { cidr: '2001:db8::1/64', interface: 'eth1' },
      ],
      [{ name: 'v', address: '198.18.10.9/32' }],
      [
        'topology[0].cidr: 198.18.10.7/24 is not a network address (host bits set); write 198.18.10.0/24',
        'topology[0].nodes[1]: node "mta9" is not defined in nodes',
        'topology[0].perNode.mta3: node "mta3" is not on this segment (add it to topology[0].nodes)',
        'topology[0].perNode.mta8: node "mta8" is not defined in nodes',
        'topology[1].cidr: 2001:db8::1/64 is not a network address (host bits set); write 2001:db8::/64',
      ],
    ],
    [
      'a follower and its leader on segments no node shares',
      [
        { cidr: '198.18.10.0/24', interface: 'eth1', nodes: ['mta1'] },
        { cidr: '198.18.20.0/24', interface: 'eth2', nodes: ['mta2', 'mta3'] },
      ],
      [
        { name: 'binding', address: '198.18.20.1/32' },
        { name: 'listener', address: '198.18.10.50/32', follow: 'binding' },
      ],
      [
        'vips[1].follow: "listener" follows "binding", but no node is on both their segments (mta1 for 198.18.10.50; mta2, mta3 for 198.18.20.1)',
      ],
    ],
    [
      'the schema refuses a block that is not one',
      [{ cidr: 'eth1', interface: 'eth1' }],
      [],
      [
        'topology[0].cidr: expected an address with an optional prefix length, like "198.18.0.50/24" or "2001:db8::5/64"',
      ],
    ],
    [
      'cloud kinds are not checked against LAN segments',
      two,
      [{ name: 'fip', kind: 'hetzner-floating-ip', address: '203.0.113.7/32' }],
      [
        'vips[0].kind: hetzner-floating-ip needs hetzner.serverId on at least one eligible node; none of mta1, mta2, mta3 has it',
      ],
    ],
  ])('%s', (_, topology, vips, want) => {
    expect(errorsOf(cluster(topology, vips))).toEqual(want);
  });
});

describe('ipferry validate with a topology', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the stray VIP with its address and the segments, and exits non-zero', async () => {
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dir = mkdtempSync(join(tmpdir(), 'ipferry-topology-'));
    const path = join(dir, 'ipferry.yaml');
    writeFileSync(
      path,
      [
        'cluster: t',
        'control: { mode: peer }',
        'security: { psk: a-long-enough-secret-key }',
        'nodes: [{ id: a, addresses: [198.18.2.11] }, { id: b, addresses: [198.18.2.12] }]',
        'topology: [{ cidr: 198.18.10.0/24, interface: eth1 }]',
        'vips: [{ name: mx, address: 198.18.11.1/32 }]',
      ].join('\n'),
    );
    expect(await validate.run([path])).not.toBe(0);
    expect(err.join('\n')).toContain(
      'vips[0].address: lan VIP "mx" (198.18.11.1) is outside every segment of the nodes that may carry it (a, b: 198.18.10.0/24)',
    );
  });
});
