import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  ConfigError,
  configDigest,
  parseConfig,
  parseConfigText,
  type Config,
  type ConfigResult,
} from '../core/config';

/**
 * The variables that tell a function where its config is (docs/aws-runtime.md). The CDK app writes
 * the config next to each bundle, so it is part of the code asset: deployed, versioned and rolled
 * back with the code, and a changed config is a new asset hash.
 */
export const CONFIG_ENV = {
  /** The config file, relative to the code's root (LAMBDA_TASK_ROOT) or absolute. */
  file: 'IPFERRY_CONFIG_FILE',
  /** configDigest of the config the stack was synthesized with: the file must match it. */
  digest: 'IPFERRY_CONFIG_DIGEST',
  /** The config's text itself: tests, emulators and small hand-made deployments. */
  inline: 'IPFERRY_CONFIG',
} as const;

/** The file name the CDK app gives the config inside each function's asset. */
export const ASSET_CONFIG_NAME = 'ipferry-config.json';

/**
 * The config a function runs: from IPFERRY_CONFIG_FILE (the asset's copy), else IPFERRY_CONFIG's
 * text. When IPFERRY_CONFIG_DIGEST is set the config must have that digest: a function never runs
 * a config other than the one its stack was built from.
 */
export function configFromEnv(
  env: NodeJS.ProcessEnv,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Config {
  const file = env[CONFIG_ENV.file];
  const source = file ? fileSource(env, file, read) : inlineSource(env);
  const r = parsed(source.text);
  if (!r.ok) throw new ConfigError(r.issues.map((i) => ({ ...i, message: `${i.message} (in ${source.label})` })));
  const want = env[CONFIG_ENV.digest];
  const have = configDigest(r.config);
  if (want && want !== have) {
    throw new ConfigError([
      {
        path: '(env)',
        message: `${source.label} has digest ${have}, but ${CONFIG_ENV.digest} says the stack was built with ${want}: redeploy (cdk deploy) so code and config match`,
      },
    ]);
  }
  return r.config;
}

/**
 * The asset holds compact JSON: JSON.parse and the schema take about half the time of the YAML
 * parser on the same text (2.1 s against 4.6 s for 256 nodes × 10,240 VIPs on a shared core), and
 * this runs at every cold start. Anything else (YAML in IPFERRY_CONFIG) goes through the YAML path.
 */
function parsed(text: string): ConfigResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return parseConfigText(text);
  }
  return parseConfig(document);
}

function fileSource(
  env: NodeJS.ProcessEnv,
  file: string,
  read: (path: string) => string,
): { text: string; label: string } {
  // Lambda sets LAMBDA_TASK_ROOT to where the code asset is unpacked (/var/task).
  const path = isAbsolute(file) ? file : join(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  try {
    return { text: read(path), label: path };
  } catch (err) {
    throw new ConfigError([
      {
        path: '(env)',
        message: `${CONFIG_ENV.file}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      },
    ]);
  }
}

function inlineSource(env: NodeJS.ProcessEnv): { text: string; label: string } {
  const text = env[CONFIG_ENV.inline];
  if (!text)
    throw new ConfigError([
      {
        path: '(env)',
        message: `neither ${CONFIG_ENV.file} nor ${CONFIG_ENV.inline} is set: the function has no config`,
      },
    ]);
  return { text, label: CONFIG_ENV.inline };
}
