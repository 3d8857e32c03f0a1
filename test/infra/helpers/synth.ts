import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ConfigInput } from '../../../core/config';
import type { IpFerryControlPlaneProps } from '../../../infra/props';
import { IpFerryStack } from '../../../infra/stack';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..', '..', '..');
export const EXAMPLE_AWS = join(ROOT, 'examples', 'aws', 'ipferry.yaml');
export const EXAMPLE_HETZNER = join(ROOT, 'examples', 'hetzner', 'ipferry.yaml');
export const FIXTURES = join(HERE, '..', 'fixtures');

/** A fixed environment: no lookups, literal ARNs in the template. */
export const TEST_ENV = { account: '111111111111', region: 'eu-central-1' } as const;

/** Context as the CDK CLI would pass it from cdk.json, plus: no bundling (template tests need no code). */
export function appContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...extra };
}

export interface Synthesized {
  app: App;
  stack: IpFerryStack;
  template: Template;
}

/** One stack with the control plane, synthesized once; tests share the result. */
export function synth(
  config: string | ConfigInput,
  props: Partial<IpFerryControlPlaneProps> & { alarmTopicArn?: string } = {},
  env: { account?: string; region?: string } = TEST_ENV,
): Synthesized {
  const app = new App({ context: appContext() });
  const stack = new IpFerryStack(app, 'Test', { env, controlPlane: { ...props, config } });
  return { app, stack, template: Template.fromStack(stack) };
}

export const readText = (path: string): string => readFileSync(path, 'utf8');

/** The Hetzner example on the AWS control plane: hmac-sha256 (pskEnv), Cloud and Robot VIPs, no AWS kinds. */
export function hetznerOnAws(): string {
  return readText(EXAMPLE_HETZNER).replace('control: { mode: local }', 'control: { mode: aws, region: eu-central-1 }');
}
