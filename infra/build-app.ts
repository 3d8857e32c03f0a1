import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { ConfigError } from '../core/config';
import { readContext } from './app-context';
import { deployConfig } from './deploy-config';
import { addNagPacks } from './nag';
import type { IpFerryControlPlaneProps } from './props';
import { IpFerryStack, stackNameOf } from './stack';

export interface BuiltApp {
  app: App;
  stack: IpFerryStack;
  configPath: string;
}

export interface BuildAppOptions {
  /** Passed to the App (outdir, context); the CLI sets them through the environment instead. */
  appProps?: AppProps;
  /** The account to deploy to; default CDK_DEFAULT_ACCOUNT, else resolved at deploy time. */
  account?: string;
  /** Overrides for what the context cannot express (entries, for instance). */
  overrides?: Partial<IpFerryControlPlaneProps>;
}

/**
 * The CDK app: one stack per config file, in the config's region, checked by cdk-nag. A config
 * that does not validate throws a ConfigError (app.ts prints it like `ipferry validate`).
 */
export function buildApp(opts: BuildAppOptions = {}): BuiltApp {
  const app = new App(opts.appProps);
  const ctx = readContext(app.node);
  const configPath = resolve(ctx.configPath);
  const text = readConfigText(configPath);
  const { config } = deployConfig(text);
  const account = opts.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region = config.control.mode === 'aws' ? config.control.region : undefined;
  const stack = new IpFerryStack(app, stackNameOf(config.cluster), {
    env: { ...(account ? { account } : {}), ...(region ? { region } : {}) },
    description: `ipferry control plane for cluster ${config.cluster}`,
    controlPlane: {
      ...ctx.props,
      ...opts.overrides,
      config: text,
    },
  });
  addNagPacks(app);
  return { app, stack, configPath };
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      { path: '(file)', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` },
    ]);
  }
}
