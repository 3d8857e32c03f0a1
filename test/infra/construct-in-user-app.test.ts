import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, AccountRootPrincipal } from 'aws-cdk-lib/aws-iam';
import type { ConfigInput } from '../../core/config';
import { addNagPacks, IpFerryControlPlane } from '../../infra';
import { defaultEntries } from '../../infra/function-specs';
import { bySid, policyStatements } from './helpers/iam';
import { unacknowledged } from './helpers/nag';
import { appContext } from './helpers/synth';

// A cluster written as an object in the user's own CDK code, not a file.
const config: ConfigInput = {
  cluster: 'shop',
  control: { mode: 'aws', region: 'eu-west-1' },
  nodes: [
    {
      id: 'a',
      interface: 'ens5',
      addresses: ['10.1.1.10'],
      publicKey: 'ldhyFZjNKsZ13BKok3g8hDZ2+7oZyete+sKfp1V+hoU=',
      aws: { eni: 'eni-0000000000000e001', subnetCidr: '10.1.1.0/24' },
    },
    {
      id: 'b',
      interface: 'ens5',
      addresses: ['10.1.1.11'],
      publicKey: 'ucRglxGIs9Ssfd9fn2uCCRNlsaEQ1sda0sJH295zRbY=',
      aws: { eni: 'eni-0000000000000e002', subnetCidr: '10.1.1.0/24' },
    },
  ],
  vips: [{ name: 'web', kind: 'aws-secondary-ip', address: '10.1.1.100/24' }],
};

describe("IpFerryControlPlane in a user's own app", () => {
  it('an environment-agnostic stack: ARNs from CloudFormation references, still nag-clean', () => {
    const app = new App({ context: appContext() });
    const stack = new Stack(app, 'Shop');
    new IpFerryControlPlane(stack, 'Failover', { config });
    addNagPacks(app);
    const st = bySid(
      policyStatements(Template.fromStack(stack), 'FailoverControlPlanePolicy'),
      'MoveSecondaryIpsBetweenClusterEnis',
    );
    expect(st.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ec2:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':network-interface/*',
        ],
      ],
    });
    expect(st.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/ipferry:cluster': 'shop' } });
    expect(unacknowledged(app)).toEqual([]);
  });

  it('grantApiAccess: an operator role may call the IAM-authenticated API URL, and nothing more', () => {
    const app = new App({ context: appContext() });
    const stack = new Stack(app, 'Shop', { env: { account: '222222222222', region: 'eu-west-1' } });
    const cp = new IpFerryControlPlane(stack, 'Failover', { config, entries: defaultEntries() });
    const operator = new Role(stack, 'Operator', { assumedBy: new AccountRootPrincipal() });
    cp.grantApiAccess(operator);
    const statements = policyStatements(Template.fromStack(stack), 'OperatorDefaultPolicy');
    const api = { 'Fn::GetAtt': [expect.stringMatching(/^FailoverApiFunction/), 'Arn'] };
    // Function URLs need both: InvokeFunctionUrl (IAM-authenticated URLs only) and InvokeFunction through the URL only.
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: api,
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: api,
        Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } },
      },
    ]);
  });
});
