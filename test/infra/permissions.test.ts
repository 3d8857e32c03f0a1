import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, allStatements, bySid, policyStatements, resourcesOf, type Statement } from './helpers/iam';
import { EXAMPLE_AWS, readText, synth, type Synthesized } from './helpers/synth';

// The example: secondary IPv4, Elastic IP, overlay route and Route 53 VIPs plus a dns[] set.
const ENI_ARN = 'arn:aws:ec2:eu-central-1:111111111111:network-interface/*';
const TAGGED = { StringEquals: { 'aws:ResourceTag/ipferry:cluster': 'mail-eu' } };

describe('IAM for the AWS example (every statement, line by line)', () => {
  let s: Synthesized;
  let control: Statement[];
  beforeAll(() => {
    // Tracing on, so the inventory covers the X-Ray statement too (it is off by default).
    s = synth(readText(EXAMPLE_AWS), { tracing: true });
    control = policyStatements(s.template, 'ControlPlaneControlPlanePolicy');
  });

  it('the shared policy holds exactly these statements', () => {
    expect(control.map((x) => x.Sid)).toEqual([
      'ReadWriteClusterState',
      'MoveSecondaryIpsBetweenClusterEnis',
      'AssociateClusterElasticIps',
      'PointOverlayRoutesInConfiguredTables',
      'DescribeEc2State',
      'ChangeManagedRecordsInZ00000000EXAMPLE1',
      'ChangeManagedRecordsInZ00000000EXAMPLE2',
      'ReadManagedZones',
      'FollowRecordChanges',
    ]);
    expect(control.every((x) => x.Effect === 'Allow')).toBe(true);
  });

  it("DynamoDB: the store's item calls on the state table only (no Scan, no indexes)", () => {
    const st = bySid(control, 'ReadWriteClusterState');
    expect(actionsOf(st)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    const ref = st.Resource as { 'Fn::GetAtt': [string, string] };
    expect(ref['Fn::GetAtt'][1]).toBe('Arn');
    expect(Object.keys(s.template.findResources('AWS::DynamoDB::Table'))).toEqual([ref['Fn::GetAtt'][0]]);
    expect(st.Condition).toBeUndefined();
  });

  it('secondary IPs: AssignPrivateIpAddresses only on interfaces tagged ipferry:cluster=mail-eu', () => {
    const st = bySid(control, 'MoveSecondaryIpsBetweenClusterEnis');
    expect(actionsOf(st)).toEqual(['ec2:AssignPrivateIpAddresses']);
    expect(resourcesOf(st)).toEqual([ENI_ARN]);
    expect(st.Condition).toEqual(TAGGED);
  });

  it('Elastic IPs: AssociateAddress only on tagged allocations, interfaces and instances', () => {
    const st = bySid(control, 'AssociateClusterElasticIps');
    expect(actionsOf(st)).toEqual(['ec2:AssociateAddress']);
    expect(resourcesOf(st)).toEqual([
      'arn:aws:ec2:eu-central-1:111111111111:elastic-ip/*',
      ENI_ARN,
      'arn:aws:ec2:eu-central-1:111111111111:instance/*',
    ]);
    expect(st.Condition).toEqual(TAGGED);
  });

  it('overlay routes: CreateRoute and ReplaceRoute on exactly the configured route tables', () => {
    const st = bySid(control, 'PointOverlayRoutesInConfiguredTables');
    expect(actionsOf(st)).toEqual(['ec2:CreateRoute', 'ec2:ReplaceRoute']);
    expect(resourcesOf(st)).toEqual([
      'arn:aws:ec2:eu-central-1:111111111111:route-table/rtb-0000000000000d001',
      'arn:aws:ec2:eu-central-1:111111111111:route-table/rtb-0000000000000d002',
    ]);
  });

  it('Describe*: only the three the adapters call, on "*" (they have no resource-level permissions)', () => {
    const st = bySid(control, 'DescribeEc2State');
    expect(actionsOf(st)).toEqual([
      'ec2:DescribeAddresses',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeRouteTables',
    ]);
    expect(st.Resource).toBe('*');
  });

  it('Route 53: record changes per configured zone, only the managed names, A/AAAA, UPSERT/DELETE', () => {
    const zone1 = bySid(control, 'ChangeManagedRecordsInZ00000000EXAMPLE1');
    const zone2 = bySid(control, 'ChangeManagedRecordsInZ00000000EXAMPLE2');
    expect(actionsOf(zone1)).toEqual(['route53:ChangeResourceRecordSets']);
    expect(zone1.Resource).toBe('arn:aws:route53:::hostedzone/Z00000000EXAMPLE1');
    expect(zone2.Resource).toBe('arn:aws:route53:::hostedzone/Z00000000EXAMPLE2');
    const condition = (names: string[]): unknown => ({
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
        'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA'],
        'route53:ChangeResourceRecordSetsActions': ['DELETE', 'UPSERT'],
      },
      Null: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': 'false' },
    });
    // dns[] round-robin set in zone 1, the webmail owner record in zone 2.
    expect(zone1.Condition).toEqual(condition(['smtp.internal.example.net']));
    expect(zone2.Condition).toEqual(condition(['webmail.example.net']));
  });

  it('Route 53: ListResourceRecordSets on those zones, GetChange on change/*', () => {
    const list = bySid(control, 'ReadManagedZones');
    expect(actionsOf(list)).toEqual(['route53:ListResourceRecordSets']);
    expect(resourcesOf(list)).toEqual([
      'arn:aws:route53:::hostedzone/Z00000000EXAMPLE1',
      'arn:aws:route53:::hostedzone/Z00000000EXAMPLE2',
    ]);
    const change = bySid(control, 'FollowRecordChanges');
    expect(actionsOf(change)).toEqual(['route53:GetChange']);
    expect(change.Resource).toBe('arn:aws:route53:::change/*');
  });

  it('the shared policy is attached to the three function roles and nothing else', () => {
    const policies = s.template.findResources('AWS::IAM::Policy');
    const id = Object.keys(policies).find((k) => k.startsWith('ControlPlaneControlPlanePolicy'))!;
    const roles = (policies[id] as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles.map((r) => r.Ref);
    expect(roles).toHaveLength(3);
    expect(roles.every((r) => /^ControlPlane(Heartbeat|Tick|Api)Role/.test(r))).toBe(true);
  });

  it('each role: assumed by Lambda only, no managed policies; its own policy has X-Ray, its logs, (tick) its failure queue and (heartbeat) the answer key', () => {
    const roles = s.template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(3);
    for (const role of Object.values(roles) as {
      Properties: {
        AssumeRolePolicyDocument: { Statement: Statement[] };
        ManagedPolicyArns?: unknown;
        Policies?: unknown;
      };
    }[]) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    for (const fn of ['Heartbeat', 'Tick', 'Api']) {
      const own = policyStatements(s.template, `ControlPlane${fn}RoleDefaultPolicy`);
      const [xray, logs, ...rest] = own;
      expect(xray).toEqual({
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      });
      expect(logs).toEqual({
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^ControlPlane${fn}Logs`)), 'Arn'] },
      });
      if (fn === 'Tick') {
        expect(rest).toEqual([
          {
            Sid: 'ReportFailedTicks',
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ControlPlaneFailedTicks/), 'Arn'] },
          },
        ]);
      } else if (fn === 'Heartbeat') {
        // The one function that signs answers reads the key's secret, and nothing else of Secrets Manager.
        expect(rest).toEqual([
          {
            Sid: 'ReadAnswerKey',
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: expect.stringMatching(/^ControlPlaneAnswerKeySecret/) },
          },
        ]);
      } else {
        expect(rest).toEqual([]);
      }
    }
  });

  it('no statement anywhere grants an action outside this inventory, and no action is a wildcard', () => {
    const actions = new Set(allStatements(s.template).flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'ec2:AssignPrivateIpAddresses',
        'ec2:AssociateAddress',
        'ec2:CreateRoute',
        'ec2:ReplaceRoute',
        'ec2:DescribeAddresses',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeRouteTables',
        'route53:ChangeResourceRecordSets',
        'route53:GetChange',
        'route53:ListResourceRecordSets',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
        'sqs:SendMessage',
        'secretsmanager:GetSecretValue',
      ].sort(),
    );
    expect([...actions].some((a) => a.includes('*'))).toBe(false);
  });

  it('"*" as a resource only for X-Ray and the three Describe calls', () => {
    const star = allStatements(s.template).filter((x) => resourcesOf(x).includes('*'));
    expect(new Set(star.flatMap(actionsOf))).toEqual(
      new Set([
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'ec2:DescribeAddresses',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeRouteTables',
      ]),
    );
  });
});
