import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { App, Validations } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';
import { addNagPacks } from '../../infra/nag';
import { IpFerryStack } from '../../infra/stack';
import { acknowledgements, synthReport, unacknowledged, type Acknowledgement } from './helpers/nag';
import { appContext, EXAMPLE_AWS, hetznerOnAws, TEST_ENV } from './helpers/synth';

const exampleApp = (outdir?: string): App =>
  buildApp({
    appProps: { context: appContext({ config: EXAMPLE_AWS }), ...(outdir ? { outdir } : {}) },
    account: TEST_ENV.account,
  }).app;

/** Hetzner kinds on the AWS control plane with created secrets and an alarm topic: the other resources nag looks at. */
function hetznerApp(outdir?: string): App {
  const app = new App({ context: appContext(), ...(outdir ? { outdir } : {}) });
  new IpFerryStack(app, 'ipferry-mail-hz', {
    env: TEST_ENV,
    controlPlane: { config: hetznerOnAws(), createAlarmTopic: true },
  });
  addNagPacks(app);
  return app;
}

const reasonsOk = (acks: Acknowledgement[]): void => {
  for (const a of acks) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(60);
};

describe('cdk-nag: AwsSolutions and Serverless packs', () => {
  it("the app synthesizes with both packs registered and CDK's validation report holds no failure", () => {
    for (const make of [exampleApp, hetznerApp]) {
      const { report, threw } = synthReport(make);
      expect(threw).toBeUndefined();
      expect(report.pluginReports.filter((r) => (r as { conclusion?: string }).conclusion !== 'success')).toEqual([]);
    }
    // Two full synths with both packs: 20-32 s on the shared 2-core machine, over the default 30 s.
  }, 120_000);

  it('no unacknowledged finding, errors or warnings, for the AWS example and for Hetzner kinds with secrets and an alarm topic', () => {
    expect(unacknowledged(exampleApp())).toEqual([]);
    expect(unacknowledged(hetznerApp())).toEqual([]);
  });

  it('the acknowledgements, each on the construct it concerns, each with its reason', () => {
    const acks = acknowledgements(exampleApp());
    reasonsOk(acks);
    const at = (path: string): string[] =>
      acks.filter((a) => a.path === `ipferry-mail-eu/ControlPlane/${path}`).map((a) => a.id);
    expect(at('ControlPlanePolicy')).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-central-1:111111111111:network-interface/*]',
      'AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-central-1:111111111111:elastic-ip/*]',
      'AwsSolutions-IAM5[Resource::arn:aws:ec2:eu-central-1:111111111111:instance/*]',
      'AwsSolutions-IAM5[Resource::arn:aws:route53:::change/*]',
    ]);
    // X-Ray is off by default: no X-Ray statement to acknowledge, and the Serverless pack's tracing check is answered.
    for (const fn of ['Heartbeat', 'Tick', 'Api']) {
      expect(at(`${fn}/Role/DefaultPolicy`)).toEqual([]);
      expect(at(`${fn}/Function`)).toEqual(['Serverless-LambdaTracing', 'Serverless-LambdaDLQ']);
    }
    expect(at('FailedTicks')).toEqual(['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']);
    // Every AWS cluster has an answer key secret now, so its rotation finding is acknowledged too.
    expect(at('AnswerKeySecret')).toEqual(['AwsSolutions-SMG4']);
    expect(acks).toHaveLength(5 + 6 + 2 + 1);
    expect(acks.find((a) => a.id.includes('Resource::*') && a.path.endsWith('ControlPlanePolicy'))!.reason).toMatch(
      /DescribeNetworkInterfaces, DescribeAddresses and DescribeRouteTables support no resource-level permissions/,
    );
    expect(acks.find((a) => a.id.includes('network-interface'))!.reason).toContain('ipferry:cluster=mail-eu');
  });

  it('created secrets: rotation acknowledged per secret, with why a rotation function cannot do it', () => {
    const acks = acknowledgements(hetznerApp()).filter((a) => a.id === 'AwsSolutions-SMG4');
    reasonsOk(acks);
    expect(acks.map((a) => a.path)).toEqual([
      'ipferry-mail-hz/ControlPlane/PskSecret',
      'ipferry-mail-hz/ControlPlane/HetznerTokenSecret',
      'ipferry-mail-hz/ControlPlane/RobotSecret',
      'ipferry-mail-hz/ControlPlane/AnswerKeySecret',
    ]);
    expect(acks.at(-1)!.reason).toMatch(/every agent must hold \(control\.answerKey\)/);
  });

  describe('sparingly: every acknowledgement answers a finding that exists, and nothing else is acknowledged', () => {
    let expected: Acknowledgement[];
    beforeAll(() => {
      expected = [...acknowledgements(exampleApp()), ...acknowledgements(hetznerApp())];
    });
    afterEach(() => vi.restoreAllMocks());

    it('with acknowledgements switched off, the findings are exactly the acknowledged ones', () => {
      vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
      const findings = [...unacknowledged(exampleApp()), ...unacknowledged(hetznerApp())];
      const key = (path: string, id: string): string => `${path} ${id}`;
      // A finding sits on the CfnResource under the acknowledged construct (…/FailedTicks/Resource).
      const found = new Set(findings.map((f) => key(f.path.replace(/\/Resource$/, ''), f.rule)));
      expect(found).toEqual(new Set(expected.map((a) => key(a.path, a.id))));
    });

    it('and an unacknowledged finding fails synthesis', () => {
      vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
      const { report, threw } = synthReport(exampleApp);
      expect((threw as Error).name).toBe('ValidationFailed');
      expect(report.pluginReports.map((r) => (r as { pluginName: string; conclusion: string }).conclusion)).toEqual([
        'failure',
        'failure',
      ]);
    });
  });

  it("tracing on: the X-Ray statement acknowledged on each role's default policy, and no tracing finding", () => {
    const app = new App({ context: appContext() });
    new IpFerryStack(app, 'Tracing', { env: TEST_ENV, controlPlane: { config: hetznerOnAws(), tracing: true } });
    addNagPacks(app);
    const acks = acknowledgements(app);
    reasonsOk(acks);
    expect(acks.filter((a) => a.path.endsWith('DefaultPolicy')).map((a) => `${a.path} ${a.id}`)).toEqual(
      ['Heartbeat', 'Tick', 'Api'].map(
        (fn) => `Tracing/ControlPlane/${fn}/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
      ),
    );
    expect(acks.filter((a) => a.id === 'Serverless-LambdaTracing')).toEqual([]);
    expect(unacknowledged(app)).toEqual([]);
  });
});
