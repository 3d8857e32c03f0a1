import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { readContext } from '../../infra/app-context';
import { ESSENTIAL_METRICS } from '../../infra/observability';
import { DETAILED_METRICS, ESSENTIAL_METRICS as PUBLISHED_BY_DEFAULT } from '../../functions/observability';
import { EXAMPLE_AWS, readText, synth } from './helpers/synth';

type Alarm = {
  Properties: { AlarmName: string; Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string }> };
};
const alarmsOf = (s: ReturnType<typeof synth>): Alarm['Properties'][] =>
  (Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as Alarm[]).map((a) => a.Properties);

describe('the fixed CloudWatch items: five alarms on three custom metrics by default, the rest on request', () => {
  it('the functions publish by default exactly the custom metrics the default alarms watch', () => {
    expect([...PUBLISHED_BY_DEFAULT].sort()).toEqual([...ESSENTIAL_METRICS].sort());
    const custom = alarmsOf(synth(readText(EXAMPLE_AWS)))
      .filter((a) => a.Namespace === 'ipferry')
      .map((a) => a.MetricName);
    expect(custom.sort()).toEqual([...ESSENTIAL_METRICS].sort());
  });

  it('dashboard, detailedMetrics and trafficAlarms add what they say, and the functions are told to publish more', () => {
    const s = synth(readText(EXAMPLE_AWS), { dashboard: true, detailedMetrics: true, trafficAlarms: true });
    const names = alarmsOf(s).map((a) => a.AlarmName.replace('ipferry-mail-eu-', ''));
    expect(names.sort()).toEqual([
      'HeartbeatErrors',
      'HeartbeatThrottles',
      'HeartbeatsStopped',
      'NodesDead',
      'ProviderErrors',
      'TickErrors',
      'UnownedVips',
    ]);
    // HeartbeatsStopped watches the heartbeat function's invocations: a free Lambda metric, not a custom one.
    expect(alarmsOf(s).find((a) => a.AlarmName.endsWith('HeartbeatsStopped'))).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
    });
    const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard')) as Array<{
      Properties: { DashboardName: string; DashboardBody: unknown };
    }>;
    expect(dashboard!.Properties.DashboardName).toBe('ipferry-mail-eu');
    const body = JSON.stringify(s.stack.resolve(dashboard!.Properties.DashboardBody));
    for (const metric of [...ESSENTIAL_METRICS, ...DETAILED_METRICS])
      expect(body, metric).toContain(
        `\\"ipferry\\",\\"${metric}\\",\\"cluster\\",\\"mail-eu\\",\\"service\\",\\"ipferry\\"`,
      );
    expect(body).toContain('p99');
    expect(Object.keys(s.template.findOutputs('*'))).toContain('DashboardName');
    for (const fn of Object.values(s.template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }>) {
      expect(fn.Properties.Environment.Variables.IPFERRY_METRICS).toBe('detailed');
    }
  });

  it('a dashboard without the detailed metrics graphs only what is published', () => {
    const s = synth(readText(EXAMPLE_AWS), { dashboard: true });
    const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard')) as Array<{
      Properties: { DashboardBody: unknown };
    }>;
    const body = JSON.stringify(s.stack.resolve(dashboard!.Properties.DashboardBody));
    for (const metric of ESSENTIAL_METRICS) expect(body).toContain(`\\"ipferry\\",\\"${metric}\\"`);
    for (const metric of DETAILED_METRICS) expect(body).not.toContain(`\\"ipferry\\",\\"${metric}\\"`);
  });

  it('the switches from cdk context (-c dashboard=true …), strings or booleans', () => {
    const read = (ctx: Record<string, unknown>) =>
      readContext(new App({ context: { config: 'c.yaml', ...ctx } }).node).props;
    expect(read({ tracing: 'true', dashboard: true, detailedMetrics: 'false', trafficAlarms: 'true' })).toEqual({
      tracing: true,
      dashboard: true,
      detailedMetrics: false,
      trafficAlarms: true,
    });
    expect(read({})).toEqual({});
    expect(() => read({ dashboard: 'yes' })).toThrow('-c dashboard: expected true or false, got "yes"');
  });
});
