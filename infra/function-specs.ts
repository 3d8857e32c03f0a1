import { Duration } from 'aws-cdk-lib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionName, IpFerryControlPlaneProps } from './props';

/**
 * Timeouts: a tick holds the store's 30 s lease and gives each provider move 20 s; 50 s keeps one
 * scheduled tick inside its minute. The heartbeat function may run a tick at once when a node
 * dies, and the API a manual move, so both get 30 s. 512 MB on arm64 for a quick cold start.
 */
export const FUNCTION_SPECS: Record<
  FunctionName,
  { id: string; description: string; timeout: Duration; memorySize: number }
> = {
  heartbeat: {
    id: 'Heartbeat',
    description: 'verify and store heartbeats, answer with assignments',
    timeout: Duration.seconds(30),
    memorySize: 512,
  },
  tick: {
    id: 'Tick',
    description: 'reconcile every group and repair drift (scheduled)',
    timeout: Duration.seconds(50),
    memorySize: 512,
  },
  api: {
    id: 'Api',
    description: 'operator API: status, events, plan, drain, move',
    timeout: Duration.seconds(30),
    memorySize: 512,
  },
};

/** This package's root: infra/ sits right under it, next to functions/ and package-lock.json. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function defaultEntries(root = PACKAGE_ROOT): Record<FunctionName, string> {
  return {
    heartbeat: join(root, 'functions', 'heartbeat.ts'),
    tick: join(root, 'functions', 'tick.ts'),
    api: join(root, 'functions', 'api.ts'),
  };
}

export function defaultBundling(props: Pick<IpFerryControlPlaneProps, 'projectRoot' | 'depsLockFilePath'>): {
  entries: Record<FunctionName, string>;
  projectRoot: string;
  depsLockFilePath: string;
} {
  const projectRoot = props.projectRoot ?? PACKAGE_ROOT;
  return {
    entries: defaultEntries(PACKAGE_ROOT),
    projectRoot,
    depsLockFilePath: props.depsLockFilePath ?? join(projectRoot, 'package-lock.json'),
  };
}
