import { describe, expect, it } from 'vitest';
import {
  canCarry,
  configDigest,
  configJsonSchema,
  formatIssue,
  loadConfig,
  parseConfig,
  parseConfigText,
} from '../../../core/config';
import { example } from '../../helpers/configs';

const base = {
  cluster: 'mail',
  security: { psk: 'a-long-enough-secret-key' },
  nodes: [
    { id: 'mail01', interface: 'eth0', addresses: ['198.18.0.11'] },
    { id: 'mail02', interface: 'eth0', addresses: ['198.18.0.12'] },
  ],
  checks: { smtp: { kind: 'smtp', target: '127.0.0.1:25' } },
  vips: [{ name: 'a', address: '198.18.0.50/24', preferred: 'mail01', checks: ['smtp'] }],
};

function errorsOf(raw: unknown): string[] {
  const r = typeof raw === 'string' ? parseConfigText(raw) : parseConfig(raw);
  return r.ok ? [] : r.issues.map(formatIssue);
}

function withVips(...vips: unknown[]): unknown {
  return { ...base, vips };
}

describe('config: defaults and normalisation', () => {
  it('applies cloud timer defaults and parses durations (direct liveness: one beat a second to the control plane)', () => {
    const c = loadConfig({
      ...base,
      control: { mode: 'local', liveness: 'direct' },
      timers: { preemptDelay: '45s', flapBudget: { moves: 3, window: '10m' } },
    });
    expect(c.timers).toEqual({
      heartbeatInterval: 1000,
      deadAfter: 3000,
      preemptDelay: 45_000,
      minHold: 60_000,
      flapBudget: { moves: 3, window: 600_000 },
      rebalanceCap: 2,
      claimHoldoff: 100,
    });
    expect(c.control).toEqual({
      mode: 'local',
      listen: '127.0.0.1:7400',
      liveness: 'direct',
      witness: { port: 7402, watchers: 3, keepalive: 5_000 },
    });
    expect(c.security.signing).toBe('hmac-sha256');
  });

  it('defaults to witnessed liveness: agents beat to each other five times a second, reports to the control plane keep alive every 5 s locally, every minute in AWS (each report is billed there)', () => {
    const c = loadConfig({ ...base, timers: { preemptDelay: '45s' } });
    expect(c.control).toEqual({
      mode: 'local',
      listen: '127.0.0.1:7400',
      liveness: 'witnessed',
      witness: { port: 7402, watchers: 3, keepalive: 5_000 },
    });
    expect(c.timers).toMatchObject({ heartbeatInterval: 200, deadAfter: 600, preemptDelay: 45_000, minHold: 60_000 });
    const aws = loadConfig({
      ...base,
      control: { mode: 'aws', region: 'eu-west-1', witness: { watchers: 2, port: 9000 } },
    });
    expect(aws.control).toMatchObject({
      liveness: 'witnessed',
      witness: { port: 9000, watchers: 2, keepalive: 60_000 },
    });
    const tuned = loadConfig({ ...base, control: { mode: 'local', witness: { keepalive: '30s' } } });
    expect(tuned.control).toMatchObject({ witness: { keepalive: 30_000 } });
  });

  it('uses LAN timers in peer mode, quorum by node count, and peers from node addresses', () => {
    const c = loadConfig({ ...base, control: { mode: 'peer' } });
    expect(c.timers.heartbeatInterval).toBe(200);
    expect(c.timers.deadAfter).toBe(600);
    expect(c.control).toMatchObject({
      mode: 'peer',
      port: 7401,
      quorum: 'none',
      peers: ['198.18.0.11:7401', '198.18.0.12:7401'],
    });
  });

  it('names VIPs by address, resolves follow by address, and defaults onControlLoss by kind', () => {
    const c = loadConfig(
      withVips({ address: '198.18.0.50/24' }, { name: 'l', address: '198.18.0.51/24', follow: '198.18.0.50/24' }),
    );
    expect(c.vips.map((v) => [v.name, v.follow, v.onControlLoss, v.ip?.prefixLength])).toEqual([
      ['198.18.0.50', undefined, 'release', 24],
      ['l', '198.18.0.50', 'release', 24],
    ]);
  });

  it('accepts every seed example', () => {
    for (const f of [
      '000-ucarp-smtp-pair',
      '001-carp-ring',
      '002-two-site-mail',
      '003-ucarp-active-passive',
      '004-duravip',
    ]) {
      expect(() => example(`seeds/${f}.yaml`)).not.toThrow();
    }
  });
});

describe('config: every error names the path and what was expected', () => {
  it.each<[string, unknown, string[]]>([
    [
      'unknown preferred node',
      withVips({ name: 'a', address: '198.18.0.50/24', preferred: 'mail07' }),
      ['vips[0].preferred: node "mail07" is not defined in nodes'],
    ],
    [
      'unknown check',
      withVips({ name: 'a', address: '198.18.0.50/24', checks: ['imap'] }),
      ['vips[0].checks[0]: check "imap" is not defined in checks'],
    ],
    [
      'unknown eligible node',
      withVips({ name: 'a', address: '198.18.0.50/24', eligible: { nodes: ['x'] } }),
      ['vips[0].eligible.nodes[0]: node "x" is not defined in nodes'],
    ],
    [
      'a typo in a field',
      { ...base, nodes: [{ id: 'mail01', interfase: 'eth0' }] },
      ['nodes[0].interfase: unknown field "interfase"'],
    ],
    [
      'a bad duration',
      { ...base, timers: { deadAfter: '3 sec' } },
      ['timers.deadAfter: expected a duration like "500ms", "1s", "2m" or a number of milliseconds, got "3 sec"'],
    ],
    [
      'a bad check kind',
      { ...base, checks: { smtp: { kind: 'smtpp', target: 'x:1' } } },
      [
        expect.stringMatching(
          /^checks\.smtp\.kind: expected kind to be one of "tcp", .* got "smtpp"$/,
        ) as unknown as string,
      ],
    ],
    [
      'a bad address',
      withVips({ name: 'a', address: '198.18.0.300/24' }),
      [expect.stringMatching(/^vips\[0\]\.address: expected an address/) as unknown as string],
    ],
    [
      'a bad VIP kind',
      withVips({ name: 'a', address: '198.18.0.50/24', kind: 'gcp-alias' }),
      [expect.stringMatching(/^vips\[0\]\.kind: expected one of "lan", "aws-secondary-ip"/) as unknown as string],
    ],
    ['a missing cluster name', { nodes: base.nodes, security: base.security }, ['cluster: required (expected string)']],
    ['no nodes', { cluster: 'x', nodes: [] }, ['nodes: at least one node is needed']],
    [
      'deadAfter not above the interval',
      { ...base, timers: { heartbeatInterval: '1s', deadAfter: '1s' } },
      ['timers.deadAfter: must be longer than heartbeatInterval (1000ms); 3 intervals is usual'],
    ],
    [
      'a check timeout not under its interval',
      { ...base, checks: { smtp: { kind: 'tcp', target: 'h:1', interval: '1s', timeout: '1s' } } },
      ['checks.smtp.timeout: timeout must be shorter than interval'],
    ],
    [
      'duplicate node ids',
      { ...base, nodes: [...base.nodes, { id: 'mail01', interface: 'eth0', addresses: ['198.18.0.19'] }] },
      ['nodes[2].id: "mail01" is already used by nodes[0]'],
    ],
    [
      'duplicate VIP names',
      withVips({ name: 'a', address: '198.18.0.50/24' }, { name: 'a', address: '198.18.0.51/24' }),
      ['vips[1].name: "a" is already used by vips[0]'],
    ],
    [
      'duplicate VIP addresses',
      withVips({ address: '198.18.0.50/24' }, { name: 'b', address: '198.18.0.50/25' }),
      ['vips[1].address: 198.18.0.50 is already used by vips[0]'],
    ],
    [
      'a VIP inside a routed prefix',
      withVips(
        {
          name: 'r',
          kind: 'aws-overlay-route',
          address: '10.200.0.0/28',
          aws: { routeTables: ['rtb-0123456789abcdef0'] },
        },
        { name: 'h', address: '10.200.0.3/24' },
      ),
      [
        'vips[0].kind: aws-overlay-route needs aws.eni on at least one eligible node; none of mail01, mail02 has it',
        'vips[1].address: 10.200.0.3 overlaps 10.200.0.0/28 of vips[0]',
      ],
    ],
    [
      'a VIP that is a node address',
      withVips({ name: 'a', address: '198.18.0.11/24' }),
      [
        'vips[0].address: 198.18.0.11 is node "mail01"\'s own address; a VIP must never be a node\'s main address (it would be unplumbed)',
      ],
    ],
    [
      'a follow of an unknown VIP',
      withVips({ name: 'a', address: '198.18.0.50/24', follow: 'zz' }),
      ['vips[0].follow: VIP "zz" is not defined in vips'],
    ],
    [
      'a VIP following itself',
      withVips({ name: 'a', address: '198.18.0.50/24', follow: 'a' }),
      ['vips[0].follow: a VIP cannot follow itself'],
    ],
    [
      'a follow cycle',
      withVips(
        { name: 'a', address: '198.18.0.50/24', follow: 'b' },
        { name: 'b', address: '198.18.0.51/24', follow: 'a' },
      ),
      ['vips[0].follow: follow cycle a → b → a'],
    ],
    [
      'a follower with a preference',
      withVips(
        { name: 'a', address: '198.18.0.50/24' },
        { name: 'b', address: '198.18.0.51/24', follow: 'a', preferred: 'mail01' },
      ),
      ['vips[1].preferred: a follower sits on its leader\'s node; set the preference on "a" instead'],
    ],
    [
      'an ed25519 cluster without keys',
      { ...base, security: { signing: 'ed25519' } },
      [
        'nodes[0].publicKey: required when security.signing is ed25519 (or set security.psk for hmac-sha256)',
        'nodes[1].publicKey: required when security.signing is ed25519 (or set security.psk for hmac-sha256)',
      ],
    ],
    [
      'hmac without a key',
      { ...base, security: { signing: 'hmac-sha256' } },
      ['security.psk: hmac-sha256 signing needs psk, pskFile or pskEnv'],
    ],
    [
      'a DNS set naming an unknown VIP',
      { ...base, dns: [{ hostedZoneId: 'Z1', name: 'mail.example.com', vips: ['a', 'b'] }] },
      ['dns[0].vips[1]: VIP "b" is not defined in vips'],
    ],
  ])('%s', (_, raw, expected) => {
    expect(errorsOf(raw)).toEqual(expected);
  });

  it('reports a VIP kind whose provider identity no eligible node has', () => {
    expect(errorsOf(withVips({ name: 'f', kind: 'hetzner-floating-ip', address: '198.18.5.5/32' }))).toEqual([
      'vips[0].kind: hetzner-floating-ip needs hetzner.serverId on at least one eligible node; none of mail01, mail02 has it',
    ]);
  });

  it("reports an aws-secondary-ip VIP outside every eligible node's subnet", () => {
    const raw = {
      ...base,
      nodes: [
        { id: 'a', aws: { eni: 'eni-0123456789abcdef0', subnetCidr: '10.0.1.0/24' } },
        { id: 'b', aws: { eni: 'eni-0123456789abcdef1', subnetCidr: '10.0.2.0/24' } },
      ],
      vips: [{ name: 's', kind: 'aws-secondary-ip', address: '10.0.9.5/24' }],
    };
    expect(errorsOf(raw)).toEqual([
      'vips[0].address: 10.0.9.5 is outside the subnet of every eligible node (a: 10.0.1.0/24, b: 10.0.2.0/24); a secondary private IP moves only within one subnet',
    ]);
  });

  it('places an IPv6 secondary VIP by the IPv6 block of a dual-stack subnet (aws.subnetIpv6Cidr)', () => {
    const nodes = [
      {
        id: 'a',
        aws: { eni: 'eni-0123456789abcdef0', subnetCidr: '10.0.1.0/24', subnetIpv6Cidr: '2001:db8:0:1::/64' },
      },
      { id: 'b', aws: { eni: 'eni-0123456789abcdef1', subnetCidr: '10.0.1.0/24' } },
    ];
    const vips = [
      { name: 'v4', kind: 'aws-secondary-ip', address: '10.0.1.50/24' },
      { name: 'v6', kind: 'aws-secondary-ip', address: '2001:db8:0:1::50/64' },
    ];
    expect(errorsOf({ ...base, nodes, vips })).toEqual([]);
    const cfg = loadConfig({ ...base, nodes, vips });
    const [a, b] = cfg.nodes;
    const v6 = cfg.vips.find((v) => v.name === 'v6')!;
    expect([canCarry(v6, a!), canCarry(v6, b!)]).toEqual([true, false]);
    // Outside the block, and on nodes that give no IPv6 block at all:
    expect(
      errorsOf({ ...base, nodes, vips: [{ name: 'v6', kind: 'aws-secondary-ip', address: '2001:db8:0:9::50/64' }] }),
    ).toEqual([
      'vips[0].address: 2001:db8:0:9::50 is outside the subnet of every eligible node (a: 2001:db8:0:1::/64); a secondary private IP moves only within one subnet',
    ]);
    expect(errorsOf({ ...base, nodes: [nodes[1]], vips: [vips[1]] })).toEqual([
      'vips[0].kind: aws-secondary-ip needs aws.subnetIpv6Cidr on at least one eligible node; none of b has it',
    ]);
    expect(errorsOf({ ...base, nodes: [{ id: 'a', aws: { subnetIpv6Cidr: '10.0.1.0/24' } }] })).toEqual([
      'nodes[0].aws.subnetIpv6Cidr: expected an IPv6 block like "2001:db8:0:1::/64"',
    ]);
  });

  it('reports missing per-kind settings', () => {
    expect(
      errorsOf(
        withVips({ name: 'e', kind: 'aws-elastic-ip', address: '203.0.113.5/32' }, { name: 'r', kind: 'aws-route53' }),
      ),
    ).toEqual([
      'vips[0].aws.allocationId: required for kind aws-elastic-ip (the Elastic IP allocation)',
      'vips[1].aws.hostedZoneId: required for kind aws-route53 (the zone holding the record)',
      'vips[1].aws.recordName: required for kind aws-route53 (the record that points at the owner)',
    ]);
  });

  it('prints every issue at once, in document order', () => {
    const errs = errorsOf(
      withVips(
        { name: 'a', address: '198.18.0.50/24', preferred: 'x', checks: ['y'] },
        { name: 'b', address: '198.18.0.50/24', follow: 'q' },
      ),
    );
    expect(errs).toHaveLength(4);
    expect(errs.map((e) => e.split(':')[0])).toEqual([
      'vips[0].checks[0]',
      'vips[0].preferred',
      'vips[1].address',
      'vips[1].follow',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(errorsOf('cluster: a\nnodes: [\n')[0]).toMatch(/^\(line \d+, column \d+\): /);
    expect(errorsOf('cluster: a\ncluster: b\nnodes: []\n')[0]).toMatch(/line 2/);
  });

  it('checks 10,000 VIPs for overlaps in well under a second', () => {
    const vips = Array.from({ length: 10_000 }, (_, i) => ({
      name: `v${i}`,
      address: `10.${(i >> 8) & 255}.${i & 255}.1/32`,
    }));
    vips.push({ name: 'dup', address: '10.0.7.1/32' });
    const t = performance.now();
    expect(errorsOf({ ...base, vips })).toEqual(['vips[10000].address: 10.0.7.1 is already used by vips[7]']);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe('config: JSON Schema and digest', () => {
  it('emits a JSON Schema that describes the top-level fields and VIP kinds', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual([
      'cluster',
      'timers',
      'nodes',
      'checks',
      'vips',
      'dns',
      'topology',
      'control',
      'security',
    ]);
    expect(schema.required).toEqual(['cluster', 'nodes']);
    expect(JSON.stringify(schema)).toContain('hetzner-robot-failover-ip');
  });

  it('gives equal configs equal digests and leaves secrets out', () => {
    const a = loadConfig(base);
    const b = loadConfig(JSON.parse(JSON.stringify(base)));
    expect(configDigest(a)).toBe(configDigest(b));
    expect(configDigest(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(configDigest(loadConfig({ ...base, security: { psk: 'another-long-secret-key' } }))).toBe(configDigest(a));
    expect(configDigest(loadConfig(withVips({ name: 'a', address: '198.18.0.51/24' })))).not.toBe(configDigest(a));
  });
});
