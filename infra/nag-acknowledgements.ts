import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { CLUSTER_TAG } from './provider-permissions';
import type { SecretRole } from './secrets';

/**
 * Every cdk-nag finding the construct accepts, each with its reason, acknowledged on the one
 * construct it concerns. Kept together so a reviewer reads them in one place.
 */
export const REASONS = {
  describeWildcard:
    'ec2:DescribeNetworkInterfaces, DescribeAddresses and DescribeRouteTables support no resource-level permissions (the Service Authorization Reference lists no resource type for them), so they need "*"; they only read, and this statement holds nothing else.',
  taggedWildcard: (cluster: string): string =>
    `Any such resource, but only while it carries the tag ${CLUSTER_TAG}=${cluster}: the statement's aws:ResourceTag condition is the scope, so operators opt interfaces, instances and Elastic IPs in by tagging them.`,
  route53Changes:
    'Route 53 mints a change id per ChangeResourceRecordSets call, so GetChange cannot name it in advance; GetChange only reads whether a change is INSYNC.',
  xray: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; CDK adds exactly these two for tracing: ACTIVE.',
  noTracing:
    "X-Ray is off by default because traces are billed per invocation and would be most of a small cluster's bill (docs/deploy-aws.md); the structured logs carry the handler timings and every move's timeline. Turn it on with the tracing prop (-c tracing=true).",
  syncOnly:
    'Invoked only synchronously, through its function URL: there are no asynchronous events to dead-letter, and every failure goes back to the caller (the agent retries its heartbeat, the operator the API call).',
  tickDestination:
    'Failed asynchronous invocations go to the on-failure destination (the FailedTicks queue, EventInvokeConfig), which supersedes DeadLetterConfig and also records the error.',
  deadLetterQueue:
    'This queue is itself the dead-letter destination of failed ticks (Lambda on-failure destination and the schedule target); a redrive policy would only move them to yet another queue.',
  secretRotation: {
    psk: "Rotating the pre-shared key means re-keying every agent at the same moment, which a rotation function cannot do; rotate it by hand (put-secret-value, then the agents' pskFile), or use ed25519 signing, which needs no shared secret.",
    hetznerToken:
      'Hetzner Cloud API tokens are issued in the Hetzner console; there is no API a rotation function could mint a new one with.',
    robot:
      'Hetzner Robot web service credentials are set in the Robot console; there is no API a rotation function could change them with.',
    answerKey:
      "A new value is a new answer-signing key, whose public half every agent must hold (control.answerKey) before the function signs with it, or they refuse every answer; a rotation function cannot change the agents' configs, so rotation is by hand, in the order docs/deploy-aws.md gives.",
  } satisfies Record<SecretRole, string>,
} as const;

export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/**
 * The AwsSolutions-IAM5 finding ids of a statement's wildcard resources, spelled as cdk-nag
 * spells them (`Resource::arn:aws:ec2:eu-central-1:<AWS::AccountId>:network-interface/*`).
 */
export function wildcardResourceFindings(scope: IConstruct, statement: PolicyStatement): string[] {
  const stack = Stack.of(scope);
  return statement.resources
    .map((r) => flatten(stack.resolve(r)))
    .filter((r) => r.includes('*'))
    .map((r) => `AwsSolutions-IAM5[Resource::${r}]`);
}

/** cdk-nag's flattening of Ref and Fn::Join, the only intrinsics these ARNs contain. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref !== undefined) return `<${v.Ref}>`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(flatten).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}
