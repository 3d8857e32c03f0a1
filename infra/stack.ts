import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { IpFerryControlPlane } from './control-plane';
import type { IpFerryControlPlaneProps } from './props';

export interface IpFerryStackProps extends StackProps {
  controlPlane: IpFerryControlPlaneProps & { alarmTopicArn?: string };
}

/** The stack `cdk deploy` creates: the control plane and what an operator needs from it. */
export class IpFerryStack extends Stack {
  readonly controlPlane: IpFerryControlPlane;

  constructor(scope: Construct, id: string, props: IpFerryStackProps) {
    super(scope, id, props);
    const { alarmTopicArn, ...controlPlane } = props.controlPlane;
    // An existing topic is referenced by its ARN alone: no lookup, synth stays offline.
    const alarmTopic = alarmTopicArn ? Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn) : controlPlane.alarmTopic;
    const cp = (this.controlPlane = new IpFerryControlPlane(this, 'ControlPlane', {
      ...controlPlane,
      ...(alarmTopic ? { alarmTopic } : {}),
    }));
    new CfnOutput(this, 'HeartbeatUrl', {
      value: cp.heartbeatUrl.url,
      description: 'control.heartbeatUrl for the agents',
    });
    new CfnOutput(this, 'ApiUrl', { value: cp.apiUrl.url, description: 'control.apiUrl for the CLI (IAM-signed)' });
    new CfnOutput(this, 'TableName', { value: cp.table.tableName, description: 'the DynamoDB state table' });
    new CfnOutput(this, 'ConfigDigest', {
      value: cp.configDigest,
      description: 'the config the functions run (ipferry status shows it too)',
    });
    if (cp.dashboard)
      new CfnOutput(this, 'DashboardName', {
        value: cp.dashboard.dashboardName,
        description: 'the CloudWatch dashboard',
      });
    new CfnOutput(this, 'AnswerKeySecretArn', {
      value: cp.answerKey.arn,
      description:
        'control.answerKey for the agents: aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text | ipferry keygen --public-from-seed -',
    });
    for (const s of cp.secrets)
      new CfnOutput(this, `${s.role[0]!.toUpperCase()}${s.role.slice(1)}SecretArn`, {
        value: s.arn,
        description: `Secrets Manager secret: ${s.role}`,
      });
    if (cp.alarmTopic)
      new CfnOutput(this, 'AlarmTopicArn', {
        value: cp.alarmTopic.topicArn,
        description: 'subscribe here for alarm notifications',
      });
  }
}

/** A CloudFormation stack name for the cluster: letters, digits and hyphens. */
export function stackNameOf(cluster: string): string {
  return `ipferry-${cluster}`.replace(/[^A-Za-z0-9-]/g, '-');
}
