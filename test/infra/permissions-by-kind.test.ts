import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../core/config';
import { actionsOf, allStatements, bySid, policyStatements, resourcesOf, type Statement } from './helpers/iam';
import { hetznerOnAws, synth, type Synthesized } from './helpers/synth';

const control = { mode: 'aws', region: 'eu-central-1' } as const;
const awsNode = (id: string, n: number, subnetCidr = '10.0.1.0/24'): NonNullable<ConfigInput['nodes']>[number] => ({
  id,
  interface: 'ens5',
  addresses: [`10.0.1.${10 + n}`],
  publicKey: 'ldhyFZjNKsZ13BKok3g8hDZ2+7oZyete+sKfp1V+hoU=',
  aws: {
    eni: `eni-0000000000000e00${n}`,
    instanceId: `i-0000000000000a00${n}`,
    subnetCidr,
    publicIp: `203.0.113.${10 + n}`,
  },
});

const ec2Actions = (statements: Statement[]): string[] =>
  [...new Set(statements.flatMap(actionsOf).filter((a) => a.startsWith('ec2:')))].sort();
const controlSids = (s: Synthesized): (string | undefined)[] =>
  policyStatements(s.template, 'ControlPlaneControlPlanePolicy').map((x) => x.Sid);

describe("only what the config's VIP kinds need", () => {
  it("Route 53 only: zones exactly the configured ones, names normalized; of EC2 only the read of the owners' public addresses", () => {
    const s = synth({
      cluster: 'web',
      control,
      nodes: [awsNode('a', 1), awsNode('b', 2)],
      vips: [
        {
          name: 'www',
          kind: 'aws-route53',
          aws: { hostedZoneId: '/hostedzone/ZWEB1', recordName: 'WWW.Example.NET.' },
        },
      ],
    });
    const all = allStatements(s.template);
    // The nodes are EC2 instances publishing aws.publicIp: the move reads the address EC2 gives them now.
    expect(ec2Actions(all)).toEqual(['ec2:DescribeNetworkInterfaces']);
    expect(controlSids(s)).toEqual([
      'ReadWriteClusterState',
      'DescribeEc2State',
      'ChangeManagedRecordsInZWEB1',
      'ReadManagedZones',
      'FollowRecordChanges',
    ]);
    const st = policyStatements(s.template, 'ControlPlaneControlPlanePolicy');
    expect(bySid(st, 'ChangeManagedRecordsInZWEB1').Resource).toBe('arn:aws:route53:::hostedzone/ZWEB1');
    expect(
      bySid(st, 'ChangeManagedRecordsInZWEB1').Condition?.['ForAllValues:StringEquals']?.[
        'route53:ChangeResourceRecordSetsNormalizedRecordNames'
      ],
    ).toEqual(['www.example.net']);
    expect(resourcesOf(bySid(st, 'ReadManagedZones'))).toEqual(['arn:aws:route53:::hostedzone/ZWEB1']);
    // The file's first synth also loads aws-cdk-lib: 22-37 s under load, over the default 30 s.
  }, 120_000);

  it('two names in one zone share its statement; a dns[] set in another zone gets its own; no EC2 without aws.publicIp', () => {
    // Nodes published by a private address (no aws.publicIp), which Elastic IPs never change: no EC2 read.
    const privateNode = (id: string, n: number) => {
      const { publicIp: _unused, ...aws } = awsNode(id, n).aws!;
      return { ...awsNode(id, n), aws };
    };
    const s = synth({
      cluster: 'web',
      control,
      nodes: [privateNode('a', 1), privateNode('b', 2)],
      vips: [
        { name: 'www', kind: 'aws-route53', aws: { hostedZoneId: 'ZONEA', recordName: 'www.example.net' } },
        { name: 'api', kind: 'aws-route53', aws: { hostedZoneId: 'ZONEA', recordName: 'api.example.net' } },
        { name: 'lan1', address: '10.0.1.50/24' },
      ],
      dns: [{ hostedZoneId: 'ZONEB', name: 'pool.internal.example', vips: ['lan1'] }],
    });
    const st = policyStatements(s.template, 'ControlPlaneControlPlanePolicy');
    expect(
      bySid(st, 'ChangeManagedRecordsInZONEA').Condition?.['ForAllValues:StringEquals']?.[
        'route53:ChangeResourceRecordSetsNormalizedRecordNames'
      ],
    ).toEqual(['api.example.net', 'www.example.net']);
    expect(
      bySid(st, 'ChangeManagedRecordsInZONEB').Condition?.['ForAllValues:StringEquals']?.[
        'route53:ChangeResourceRecordSetsNormalizedRecordNames'
      ],
    ).toEqual(['pool.internal.example']);
    expect(ec2Actions(allStatements(s.template))).toEqual([]);
  });

  it("LAN VIPs only: no provider permission at all, just the table (and the heartbeat function's answer key)", () => {
    const s = synth({
      cluster: 'lan',
      control,
      nodes: [awsNode('a', 1), awsNode('b', 2)],
      vips: [{ name: 'v', address: '10.0.1.50/24' }],
    });
    expect(controlSids(s)).toEqual(['ReadWriteClusterState']);
    expect(
      allStatements(s.template)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('ec2:') || a.startsWith('route53:')),
    ).toEqual([]);
    expect(
      allStatements(s.template)
        .filter((st) => actionsOf(st).some((a) => a.startsWith('secretsmanager:')))
        .map((st) => st.Sid),
    ).toEqual(['ReadAnswerKey']);
  });

  it('IPv6 secondary IPs: Assign and Unassign Ipv6Addresses (IPv6 cannot be reassigned), tag-scoped; no IPv4 assign', () => {
    const s = synth({
      cluster: 'v6',
      control,
      nodes: [awsNode('a', 1, '2001:db8:1::/64'), awsNode('b', 2, '2001:db8:1::/64')],
      vips: [{ name: 'v6', kind: 'aws-secondary-ip', address: '2001:db8:1::100/128' }],
    });
    const st = bySid(
      policyStatements(s.template, 'ControlPlaneControlPlanePolicy'),
      'MoveSecondaryIpsBetweenClusterEnis',
    );
    expect(actionsOf(st)).toEqual(['ec2:AssignIpv6Addresses', 'ec2:UnassignIpv6Addresses']);
    expect(st.Resource).toBe('arn:aws:ec2:eu-central-1:111111111111:network-interface/*');
    expect(st.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ipferry:cluster': 'v6' } });
    expect(ec2Actions(allStatements(s.template))).toEqual([
      'ec2:AssignIpv6Addresses',
      'ec2:DescribeNetworkInterfaces',
      'ec2:UnassignIpv6Addresses',
    ]);
  });

  it('Elastic IPs only: AssociateAddress and DescribeAddresses, nothing for secondary IPs or routes', () => {
    const s = synth({
      cluster: 'eip',
      control,
      nodes: [awsNode('a', 1), awsNode('b', 2)],
      vips: [
        {
          name: 'pub',
          kind: 'aws-elastic-ip',
          address: '198.51.100.7/32',
          aws: { allocationId: 'eipalloc-0000000000000c001' },
        },
      ],
    });
    expect(controlSids(s)).toEqual(['ReadWriteClusterState', 'AssociateClusterElasticIps', 'DescribeEc2State']);
    expect(ec2Actions(allStatements(s.template))).toEqual(['ec2:AssociateAddress', 'ec2:DescribeAddresses']);
  });

  it('overlay routes: each configured table once, across VIPs, and no other route table', () => {
    const s = synth({
      cluster: 'rt',
      control,
      nodes: [awsNode('a', 1), awsNode('b', 2)],
      vips: [
        {
          name: 'r1',
          kind: 'aws-overlay-route',
          address: '10.255.0.1/32',
          aws: { routeTables: ['rtb-00000000000000b2', 'rtb-00000000000000a1'] },
        },
        {
          name: 'r2',
          kind: 'aws-overlay-route',
          address: '10.255.0.2/32',
          aws: { routeTables: ['rtb-00000000000000a1'] },
        },
      ],
    });
    const st = bySid(
      policyStatements(s.template, 'ControlPlaneControlPlanePolicy'),
      'PointOverlayRoutesInConfiguredTables',
    );
    expect(resourcesOf(st)).toEqual([
      'arn:aws:ec2:eu-central-1:111111111111:route-table/rtb-00000000000000a1',
      'arn:aws:ec2:eu-central-1:111111111111:route-table/rtb-00000000000000b2',
    ]);
    expect(ec2Actions(allStatements(s.template))).toEqual([
      'ec2:CreateRoute',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeRouteTables',
      'ec2:ReplaceRoute',
    ]);
  });
});

describe('secrets: GetSecretValue on exactly the secrets the config needs', () => {
  let created: Synthesized;
  beforeAll(() => {
    created = synth(hetznerOnAws());
  });

  it('Hetzner kinds and hmac-sha256: psk, Hetzner token and Robot secrets are created and nothing else is readable; the answer key by the heartbeat function alone', () => {
    const secrets = created.template.findResources('AWS::SecretsManager::Secret');
    const ids = Object.keys(secrets);
    expect(ids.map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'ControlPlanePskSecret',
      'ControlPlaneHetznerTokenSecret',
      'ControlPlaneRobotSecret',
      'ControlPlaneAnswerKeySecret',
    ]);
    const st = bySid(policyStatements(created.template, 'ControlPlaneControlPlanePolicy'), 'ReadClusterSecrets');
    expect(actionsOf(st)).toEqual(['secretsmanager:GetSecretValue']);
    expect(resourcesOf(st)).toEqual(ids.slice(0, 3).map((id) => ({ Ref: id })));
    const answerKey = bySid(
      policyStatements(created.template, 'ControlPlaneHeartbeatRoleDefaultPolicy'),
      'ReadAnswerKey',
    );
    expect(resourcesOf(answerKey)).toEqual([{ Ref: ids[3] }]);
    expect(
      allStatements(created.template)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('secretsmanager:')),
    ).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:GetSecretValue']);
    expect(
      allStatements(created.template)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('ec2:') || a.startsWith('route53:') || a.startsWith('kms:')),
    ).toEqual([]);
  });

  it('created secrets outlive the stack (agents hold the key; operators put the Hetzner values in)', () => {
    for (const r of Object.values(created.template.findResources('AWS::SecretsManager::Secret')) as {
      DeletionPolicy: string;
      UpdateReplacePolicy: string;
    }[]) {
      expect(r.DeletionPolicy).toBe('Retain');
      expect(r.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('given ARNs: none created, exactly those ARNs readable, and the functions told which is which', () => {
    const arn = (name: string): string =>
      `arn:aws:secretsmanager:eu-central-1:111111111111:secret:ipferry/${name}-AbC123`;
    const s = synth(hetznerOnAws(), {
      secrets: { psk: arn('psk'), hetznerToken: arn('token'), robot: arn('robot'), answerKey: arn('answer') },
    });
    expect(s.template.findResources('AWS::SecretsManager::Secret')).toEqual({});
    expect(
      resourcesOf(bySid(policyStatements(s.template, 'ControlPlaneControlPlanePolicy'), 'ReadClusterSecrets')),
    ).toEqual([arn('psk'), arn('token'), arn('robot')]);
    expect(
      resourcesOf(bySid(policyStatements(s.template, 'ControlPlaneHeartbeatRoleDefaultPolicy'), 'ReadAnswerKey')),
    ).toEqual([arn('answer')]);
    for (const [id, fn] of Object.entries(s.template.findResources('AWS::Lambda::Function')) as [
      string,
      { Properties: { Environment: { Variables: Record<string, unknown> } } },
    ][]) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        IPFERRY_PSK_SECRET: arn('psk'),
        IPFERRY_HETZNER_TOKEN_SECRET: arn('token'),
        IPFERRY_ROBOT_SECRET: arn('robot'),
      });
      expect(fn.Properties.Environment.Variables.IPFERRY_ANSWER_KEY_SECRET, id).toBe(
        id.startsWith('ControlPlaneHeartbeat') ? arn('answer') : undefined,
      );
    }
  });

  it('ed25519 and no Hetzner kinds: no shared secret; only the answer key, only for the heartbeat function', () => {
    const s = synth({
      cluster: 'lan',
      control,
      nodes: [awsNode('a', 1)],
      vips: [{ name: 'v', address: '10.0.1.50/24' }],
    });
    expect(
      Object.keys(s.template.findResources('AWS::SecretsManager::Secret')).map((k) => k.replace(/[0-9A-F]{8}$/, '')),
    ).toEqual(['ControlPlaneAnswerKeySecret']);
    expect(
      policyStatements(s.template, 'ControlPlaneControlPlanePolicy').filter((st) =>
        actionsOf(st).some((a) => a.startsWith('secretsmanager:')),
      ),
    ).toEqual([]);
    for (const [id, fn] of Object.entries(s.template.findResources('AWS::Lambda::Function')) as [
      string,
      { Properties: { Environment: { Variables: Record<string, unknown> } } },
    ][]) {
      expect(
        Object.keys(fn.Properties.Environment.Variables).filter((k) => k.endsWith('_SECRET')),
        id,
      ).toEqual(id.startsWith('ControlPlaneHeartbeat') ? ['IPFERRY_ANSWER_KEY_SECRET'] : []);
    }
  });
});
