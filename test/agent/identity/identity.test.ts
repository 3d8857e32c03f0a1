import { afterEach, describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../../core/config';
import { discoverEc2, discoverHetzner, IdentityError, Imds, resolveIdentity } from '../../../agent/identity';
import {
  startFakeHetznerMetadata,
  type FakeHetznerMetadata,
  type FakeHetznerServer,
} from '../../helpers/hetzner-metadata-server';
import { startFakeImds, type FakeImds, type FakeImdsState } from '../../helpers/imds-server';
import { closedPort } from '../../helpers/closed-port';

const ec2State = (): FakeImdsState => ({
  instanceId: 'i-0abc1234def567890',
  az: 'eu-central-1a',
  enis: [
    {
      mac: '0a:00:00:00:00:01',
      eni: 'eni-0aaa1111bbbb2222c',
      subnetId: 'subnet-0aaa1111',
      subnetCidr: '10.0.1.0/24',
      localIpv4s: ['10.0.1.10'],
    },
    {
      mac: '0a:00:00:00:00:02',
      eni: 'eni-0ddd3333eeee4444f',
      subnetId: 'subnet-0bbb2222',
      subnetCidr: '10.0.2.0/24',
      localIpv4s: ['10.0.2.10', '10.0.2.50'],
    },
  ],
});

const hetznerServer = (): FakeHetznerServer => ({
  instanceId: 42,
  hostname: 'mail-1',
  availabilityZone: 'hel1-dc2',
  region: 'eu-central',
  publicIpv4: '198.18.5.5',
  privateNetworks: [
    {
      ip: '10.0.0.2',
      alias_ips: ['10.0.0.3', '10.0.0.4'],
      interface_num: 1,
      mac_address: '86:00:00:2a:7d:e0',
      network_id: 1234,
      network_name: 'nw-test1',
      network: '10.0.0.0/8',
      subnet: '10.0.0.0/24',
      gateway: '10.0.0.1',
    },
  ],
});

const node = (extra: Partial<NodeSpec>): NodeSpec => ({ id: 'n1', interface: 'eth0', addresses: [], ...extra });

describe('EC2 identity over IMDSv2', () => {
  let imds: FakeImds;
  afterEach(() => imds?.close());

  it('takes a session token with the TTL header, then reads instance, zone and the primary ENI with it', async () => {
    imds = await startFakeImds(ec2State());
    const found = await discoverEc2(new Imds({ baseUrl: imds.url }));
    expect(found).toMatchObject({
      instanceId: 'i-0abc1234def567890',
      az: 'eu-central-1a',
      mac: '0a:00:00:00:00:01',
      eni: 'eni-0aaa1111bbbb2222c',
      subnetId: 'subnet-0aaa1111',
      subnetCidr: '10.0.1.0/24',
      localIpv4s: ['10.0.1.10'],
    });
    expect(imds.requests[0]).toBe('PUT /latest/api/token');
    expect(imds.tokens()).toBe(1);
  });

  it('finds the configured ENI among the attached MACs', async () => {
    imds = await startFakeImds(ec2State());
    const found = await discoverEc2(new Imds({ baseUrl: imds.url }), 'eni-0ddd3333eeee4444f');
    expect(found).toMatchObject({
      mac: '0a:00:00:00:00:02',
      subnetId: 'subnet-0bbb2222',
      localIpv4s: ['10.0.2.10', '10.0.2.50'],
    });
    expect(imds.requests).toContain('GET /latest/meta-data/network/interfaces/macs/');
  });

  it('says which ENIs are attached when the configured one is not', async () => {
    imds = await startFakeImds(ec2State());
    await expect(discoverEc2(new Imds({ baseUrl: imds.url }), 'eni-0fff9999aaaa0000b')).rejects.toThrow(
      'aws.eni eni-0fff9999aaaa0000b is not attached to instance i-0abc1234def567890 (attached: eni-0aaa1111bbbb2222c, eni-0ddd3333eeee4444f)',
    );
  });

  it('fetches a new token when IMDS refuses the old one (expired or revoked)', async () => {
    imds = await startFakeImds(ec2State());
    const client = new Imds({ baseUrl: imds.url });
    expect(await client.get('instance-id')).toBe('i-0abc1234def567890');
    imds.revokeTokens();
    expect(await client.localIpv4s('0a:00:00:00:00:02')).toEqual(['10.0.2.10', '10.0.2.50']);
    expect(imds.tokens()).toBe(2);
  });

  it('accepts a node whose config matches, and names every field that does not', async () => {
    imds = await startFakeImds(ec2State());
    const good = node({
      aws: {
        instanceId: 'i-0abc1234def567890',
        eni: 'eni-0ddd3333eeee4444f',
        subnetId: 'subnet-0bbb2222',
        subnetCidr: '10.0.2.0/24',
        az: 'eu-central-1a',
        privateIp: '10.0.2.10',
      },
    });
    const resolved = await resolveIdentity({ node: good, source: 'auto', imdsUrl: imds.url });
    expect(resolved.source).toBe('ec2');
    expect(resolved.ec2?.mac).toBe('0a:00:00:00:00:02');

    const bad = node({
      aws: {
        instanceId: 'i-0000000000000000a',
        eni: 'eni-0ddd3333eeee4444f',
        subnetCidr: '10.0.9.0/24',
        az: 'eu-central-1b',
      },
    });
    const err = await resolveIdentity({ node: bad, source: 'ec2', imdsUrl: imds.url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityError);
    expect((err as Error).message).toBe(
      [
        'this host is not node n1 as the config describes it (EC2 IMDS):',
        '  nodes[n1].aws.instanceId: config says i-0000000000000000a, EC2 IMDS says i-0abc1234def567890',
        '  nodes[n1].aws.subnetCidr: config says 10.0.9.0/24, EC2 IMDS says 10.0.2.0/24',
        '  nodes[n1].aws.az: config says eu-central-1b, EC2 IMDS says eu-central-1a',
      ].join('\n'),
    );
  });

  it('fails clearly when the node says EC2 and no IMDS answers', async () => {
    const port = await closedPort();
    await expect(
      resolveIdentity({
        node: node({ aws: { eni: 'eni-0aaa1111bbbb2222c' } }),
        source: 'auto',
        imdsUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 500,
      }),
    ).rejects.toThrow(
      /^node n1: cannot read EC2 instance metadata: PUT http:\/\/127\.0\.0\.1:\d+\/latest\/api\/token: ECONNREFUSED$/,
    );
  });
});

describe('Hetzner identity from the metadata service', () => {
  let meta: FakeHetznerMetadata;
  afterEach(() => meta?.close());

  it('reads the YAML summary and the private networks with their alias IPs', async () => {
    meta = await startFakeHetznerMetadata(hetznerServer());
    expect(await discoverHetzner({ baseUrl: meta.url })).toEqual({
      serverId: 42,
      hostname: 'mail-1',
      availabilityZone: 'hel1-dc2',
      location: 'hel1',
      region: 'eu-central',
      publicIpv4: '198.18.5.5',
      privateNetworks: [
        { ip: '10.0.0.2', aliasIps: ['10.0.0.3', '10.0.0.4'], networkId: 1234, mac: '86:00:00:2a:7d:e0' },
      ],
    });
    expect(meta.requests.sort()).toEqual(['GET /hetzner/v1/metadata', 'GET /hetzner/v1/metadata/private-networks']);
  });

  it('accepts a matching node and refuses one whose server id, location or network differ', async () => {
    meta = await startFakeHetznerMetadata(hetznerServer());
    const ok = await resolveIdentity({
      node: node({ hetzner: { serverId: 42, location: 'hel1', networkId: 1234 } }),
      source: 'auto',
      hetznerUrl: meta.url,
    });
    expect(ok).toMatchObject({ source: 'hetzner', hetzner: { serverId: 42 } });
    await expect(
      resolveIdentity({
        node: node({ hetzner: { serverId: 43, location: 'fsn1', networkId: 99 } }),
        source: 'auto',
        hetznerUrl: meta.url,
      }),
    ).rejects.toThrow(
      [
        'this host is not node n1 as the config describes it (Hetzner metadata):',
        '  nodes[n1].hetzner.serverId: config says 43, Hetzner metadata says 42',
        '  nodes[n1].hetzner.location: config says fsn1, Hetzner metadata says hel1',
        '  nodes[n1].hetzner.networkId: config says 99, Hetzner metadata says 1234',
      ].join('\n'),
    );
  });
});

describe('identity from the config', () => {
  it('asks no metadata service for a node with no cloud fields', async () => {
    expect(
      await resolveIdentity({
        node: node({}),
        source: 'auto',
        imdsUrl: 'http://127.0.0.1:1',
        hetznerUrl: 'http://127.0.0.1:1',
      }),
    ).toEqual({ source: 'config' });
  });
});
