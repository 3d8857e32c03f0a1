import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { arnScopeOf } from './arns';

/**
 * An SNS topic for alarm notifications: encrypted, TLS only, and publishable by CloudWatch alarms
 * of this account alone. The key is a customer managed one because CloudWatch cannot use the AWS
 * managed `alias/aws/sns` key (its policy does not admit the CloudWatch service).
 */
export function alarmTopic(scope: Construct, name: string): Topic {
  const arns = arnScopeOf(scope);
  const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
  const key = new Key(scope, 'AlarmTopicKey', {
    description: `${name}: encrypts the alarm topic`,
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsEncryptNotifications',
      effect: Effect.ALLOW,
      principals: [cloudwatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': arns.account } },
    }),
  );
  const topic = new Topic(scope, 'AlarmTopic', { displayName: `${name} alarms`, masterKey: key, enforceSSL: true });
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      effect: Effect.ALLOW,
      principals: [cloudwatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': arns.account },
        ArnLike: { 'aws:SourceArn': `arn:${arns.partition}:cloudwatch:${arns.region}:${arns.account}:alarm:*` },
      },
    }),
  );
  return topic;
}
