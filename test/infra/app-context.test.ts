import { describe, expect, it } from 'vitest';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { readContext } from '../../infra/app-context';

const read = (context: Record<string, unknown>): ReturnType<typeof readContext> =>
  readContext(new App({ context }).node);

describe("the app's -c switches (strings from the command line, JSON from cdk.json)", () => {
  it("cdk.json's defaults: the example config, retained and protected table, 30 days of logs, no topic", () => {
    // The same keys and values as cdk.json, as JSON types.
    expect(
      read({
        config: 'examples/aws/ipferry.yaml',
        createAlarmTopic: false,
        tableRemovalPolicy: 'retain',
        tableDeletionProtection: true,
        logRetentionDays: 30,
      }),
    ).toEqual({
      configPath: 'examples/aws/ipferry.yaml',
      props: {
        createAlarmTopic: false,
        tableRemovalPolicy: RemovalPolicy.RETAIN,
        tableDeletionProtection: true,
        logRetention: RetentionDays.ONE_MONTH,
      },
    });
  });

  it('command-line strings and secret ARNs', () => {
    const arn = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:psk-AbC123';
    expect(
      read({
        config: 'c.yaml',
        createAlarmTopic: 'true',
        tableRemovalPolicy: 'destroy',
        tableDeletionProtection: 'false',
        logRetentionDays: '7',
        pskSecretArn: arn,
        alarmTopicArn: 'arn:aws:sns:eu-central-1:111111111111:ops',
      }),
    ).toEqual({
      configPath: 'c.yaml',
      props: {
        createAlarmTopic: true,
        alarmTopicArn: 'arn:aws:sns:eu-central-1:111111111111:ops',
        tableRemovalPolicy: RemovalPolicy.DESTROY,
        tableDeletionProtection: false,
        logRetention: RetentionDays.ONE_WEEK,
        secrets: { psk: arn },
      },
    });
  });

  it("an existing answer key secret: the one the agents' control.answerKey was derived from", () => {
    const arn = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:ipferry-answer-AbC123';
    expect(read({ config: 'c.yaml', answerKeySecretArn: arn }).props).toEqual({ secrets: { answerKey: arn } });
  });

  it('tick and heartbeat concurrency: a number, or none for accounts that cannot reserve any', () => {
    expect(read({ config: 'c.yaml', tickReservedConcurrency: 'none' }).props).toEqual({
      reservedConcurrency: { heartbeat: 10 },
    });
    expect(read({ config: 'c.yaml', tickReservedConcurrency: 2 }).props).toEqual({
      reservedConcurrency: { tick: 2, heartbeat: 10 },
    });
    // An account whose limit is still 10 reserves nothing: both "none".
    expect(
      read({ config: 'c.yaml', tickReservedConcurrency: 'none', heartbeatReservedConcurrency: 'none' }).props,
    ).toEqual({ reservedConcurrency: {} });
    expect(read({ config: 'c.yaml', heartbeatReservedConcurrency: 40 }).props).toEqual({
      reservedConcurrency: { tick: 1, heartbeat: 40 },
    });
    expect(() => read({ config: 'c.yaml', heartbeatReservedConcurrency: '-1' })).toThrow(
      '-c heartbeatReservedConcurrency: expected a positive number or "none", got "-1"',
    );
    expect(() => read({ config: 'c.yaml', tickReservedConcurrency: '0' })).toThrow(
      '-c tickReservedConcurrency: expected a positive number or "none", got "0"',
    );
  });

  it('refuses what it cannot mean', () => {
    expect(() => read({})).toThrow('no config file: pass -c config=FILE');
    expect(() => read({ config: 'c.yaml', createAlarmTopic: 'yes' })).toThrow(
      '-c createAlarmTopic: expected true or false, got "yes"',
    );
    expect(() => read({ config: 'c.yaml', tableRemovalPolicy: 'snapshot' })).toThrow(
      '-c tableRemovalPolicy: expected retain or destroy',
    );
    expect(() => read({ config: 'c.yaml', logRetentionDays: '2' })).toThrow(
      /-c logRetentionDays: expected one of 1, 3, 5, 7/,
    );
  });
});
