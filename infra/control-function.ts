import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The newest Node.js Lambda runtime this aws-cdk-lib knows (cdk-nag's L1 and Serverless checks
 * want the newest); the contract asks for 22 or newer.
 */
export const CONTROL_RUNTIME = Runtime.NODEJS_24_X;

export interface ControlFunctionProps {
  /** The handler module (exports `handler`). */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  tracing: boolean;
  reservedConcurrency?: number;
  /** Adds files to the bundle (the deployed config). */
  commandHooks?: ICommandHooks;
  /** Bundling roots: the package holding the entries and its lock file. */
  projectRoot: string;
  depsLockFilePath: string;
}

/**
 * One control-plane function with a role and a log group of its own: nothing shared between
 * functions but the policies the construct attaches, no AWS managed policy, logs kept for the
 * configured retention.
 */
export class ControlFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ControlFunctionProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ipferry ${id} function`,
    });
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: CONTROL_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: props.environment,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      projectRoot: props.projectRoot,
      depsLockFilePath: props.depsLockFilePath,
      bundling: {
        // The local esbuild (a devDependency) and never Docker: synth works offline.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK too: the adapters are tested against the version in package-lock.json,
        // not whatever the runtime happens to ship.
        externalModules: [],
        // CommonJS dependencies call require() for Node built-ins; an ESM bundle has no require.
        banner:
          "import { createRequire as __ipferryCreateRequire } from 'node:module'; const require = __ipferryCreateRequire(import.meta.url);",
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
    });
    this.logGroup.grantWrite(this.role);
  }
}
