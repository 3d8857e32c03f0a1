import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { FunctionName } from '../../../infra/props';
import { IpFerryStack } from '../../../infra/stack';
import { ROOT } from './synth';

type TemplateJson = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

export interface DeployedFunction {
  /** The asset directory `cdk synth` wrote for the function (what Lambda unpacks to /var/task). */
  dir: string;
  /** The entry module of the bundle and its handler export, from the template's Handler. */
  entry: string;
  /** The template's environment, references left as the objects CloudFormation would resolve. */
  environment: Record<string, unknown>;
}

/**
 * Synthesizes the stack as `cdk synth` does — cdk.json's context, real bundling with the local
 * esbuild, validation plugins left out (nag has its own tests) — into `outdir`, and finds each
 * function's asset directory from its Code.S3Key (`<hash>.zip` is staged as `asset.<hash>`).
 */
export function synthDeployed(
  outdir: string,
  config: string,
  env: { account: string; region: string },
): Record<FunctionName, DeployedFunction> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ outdir, context: cdkJson.context });
  const stack = new IpFerryStack(app, 'Deployed', { env, controlPlane: { config } });
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8')) as TemplateJson;
  const find = (name: string): DeployedFunction => {
    const found = Object.entries(template.Resources).filter(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`ControlPlane${name}Function`),
    );
    if (found.length !== 1) throw new Error(`expected one ${name} function in the template, found ${found.length}`);
    const p = found[0]![1].Properties as {
      Code: { S3Key: string };
      Handler: string;
      Environment: { Variables: Record<string, unknown> };
    };
    const dir = join(outdir, `asset.${p.Code.S3Key.replace(/\.zip$/, '')}`);
    const module = p.Handler.replace(/\.[^.]+$/, '');
    return { dir, entry: join(dir, `${module}.mjs`), environment: p.Environment.Variables };
  };
  return { heartbeat: find('Heartbeat'), tick: find('Tick'), api: find('Api') };
}

/** The environment Lambda would give the function: the template's, references resolved by `resolve`. */
export function resolvedEnvironment(
  fn: DeployedFunction,
  resolve: (name: string, ref: unknown) => string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fn.environment).map(([k, v]) => [k, typeof v === 'string' ? v : resolve(k, v)]),
  );
}
