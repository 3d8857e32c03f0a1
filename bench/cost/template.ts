import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PACKAGE_ROOT } from '../../infra/function-specs';
import { IpFerryStack } from '../../infra/stack';
import type { FunctionName } from '../../infra/props';

/** What the deployed stack costs by itself, and how its functions are set up, read from the synthesized template. */
export interface StackFacts {
  memoryMb: Record<FunctionName, number>;
  /** Active X-Ray tracing, per function. */
  tracing: Record<FunctionName, boolean>;
  /** Lambda's log format: Text (START/END/REPORT lines) or JSON (platform events). */
  logFormat: Record<FunctionName, 'Text' | 'JSON'>;
  /** The environment the template gives each function, IPFERRY_CONFIG aside. */
  environment: Record<FunctionName, Record<string, string>>;
  alarms: number;
  dashboards: number;
  secrets: number;
  /** Which config the template was synthesized from (a smaller one when the real one does not synth). */
  synthesizedNodes: number;
  synthError?: string;
}

const FUNCTION_IDS: Record<FunctionName, string> = { heartbeat: 'Heartbeat', tick: 'Tick', api: 'Api' };

/**
 * Synthesizes the stack in this process, as test/infra/helpers/synth.ts does: cdk.json's context,
 * bundling skipped (the template is what is counted, not the code). When the cluster's config does
 * not synth (the environment cap of 4 KB, until the config leaves the environment), the fallback
 * config — same shape, fewer nodes — is synthesized instead and the error is kept: the fixed items
 * (alarms, dashboards, secrets, memory, tracing) do not depend on the node count.
 */
export function stackFacts(
  configText: string,
  nodes: number,
  fallback: () => { text: string; nodes: number },
): StackFacts {
  try {
    return readFacts(synth(configText), nodes);
  } catch (err) {
    const small = fallback();
    return {
      ...readFacts(synth(small.text), small.nodes),
      synthError: err instanceof Error ? err.message.split('\n')[0]! : String(err),
    };
  }
}

function synth(configText: string): Template {
  const cdkJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new IpFerryStack(app, 'CostBench', {
    env: { account: '111111111111', region: 'us-east-1' },
    controlPlane: { config: configText },
  });
  return Template.fromStack(stack);
}

interface LambdaProps {
  Description?: string;
  MemorySize?: number;
  TracingConfig?: { Mode?: string };
  LoggingConfig?: { LogFormat?: string };
  Environment?: { Variables?: Record<string, unknown> };
}

function readFacts(template: Template, nodes: number): StackFacts {
  const functions = Object.entries(template.findResources('AWS::Lambda::Function')) as Array<
    [string, { Properties: LambdaProps }]
  >;
  const pick = (name: FunctionName): LambdaProps => {
    const found = functions.find(([logicalId]) => logicalId.includes(FUNCTION_IDS[name]));
    if (!found)
      throw new Error(
        `the template has no ${name} function (looked for a logical id containing ${FUNCTION_IDS[name]})`,
      );
    return found[1].Properties;
  };
  const names: FunctionName[] = ['heartbeat', 'tick', 'api'];
  const per = <T>(f: (p: LambdaProps) => T): Record<FunctionName, T> =>
    Object.fromEntries(names.map((n) => [n, f(pick(n))])) as Record<FunctionName, T>;
  return {
    // Lambda's default memory is 128 MB when the template leaves it out.
    memoryMb: per((p) => p.MemorySize ?? 128),
    tracing: per((p) => p.TracingConfig?.Mode === 'Active'),
    logFormat: per((p) => (p.LoggingConfig?.LogFormat === 'JSON' ? 'JSON' : 'Text')),
    environment: per((p) =>
      Object.fromEntries(
        Object.entries(p.Environment?.Variables ?? {}).filter(
          ([k, v]) => k !== 'IPFERRY_CONFIG' && typeof v === 'string',
        ) as Array<[string, string]>,
      ),
    ),
    alarms: Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length,
    dashboards: Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length,
    secrets: Object.keys(template.findResources('AWS::SecretsManager::Secret')).length,
    synthesizedNodes: nodes,
  };
}
