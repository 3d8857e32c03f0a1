import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stage } from 'aws-cdk-lib';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { ASSET_CONFIG_NAME } from './environment';

/**
 * Why the config travels in the code asset (docs/aws-runtime.md): it deploys and rolls back
 * atomically with the code that reads it, it is read from local disk at cold start (no network
 * call, no extra IAM, no extra service to pay for), and its size is bounded only by Lambda's code
 * limits (50 MB zipped, 250 MB unzipped: the CodeSizeZipped/CodeSizeUnzipped defaults,
 * https://docs.aws.amazon.com/lambda/latest/api/API_AccountLimit.html), where a standard SSM
 * parameter stops at 4,096 characters (8 KB advanced,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html)
 * and the environment at 4 KB.
 *
 * The text is written once per synthesis into the cloud assembly directory, named by its hash, and
 * each function's bundling copies it next to the bundle; NodejsFunction hashes the bundled output,
 * so a changed config is a new asset and `cdk deploy` updates the functions.
 */
export function stageConfig(scope: Construct, text: string): string {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(Stage.of(scope)?.outdir ?? tmpdir(), 'ipferry-config');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${hash}.json`);
  writeFileSync(path, text);
  return path;
}

/** The bundling hook that puts the staged config into the function's asset as ipferry-config.json. */
export function configHooks(stagedPath: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      `cp ${shellQuote(stagedPath)} ${shellQuote(join(outputDir, ASSET_CONFIG_NAME))}`,
    ],
  };
}

/** Single quotes for a POSIX shell (local bundling runs the hooks through one). */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
