import { parseDocument } from 'yaml';
import { ConfigError, parseConfig, parseConfigText, type Config, type ConfigInput } from '../core/config';
import type { ConfigIssue } from '../core/config';

/** A config checked for deployment, and the text that ships in the functions' code asset. */
export interface DeployConfig {
  config: Config;
  /**
   * The same document as compact JSON (JSON is YAML, so the functions' parseConfigText reads it,
   * and JSON parses much faster than YAML at cold start): comments and layout go.
   */
  text: string;
}

/**
 * Validates a config with the same schema as `ipferry validate` (same issues, same paths), then
 * checks what a deployment needs on top. Throws a ConfigError listing every issue.
 */
export function deployConfig(source: string | ConfigInput): DeployConfig {
  // The document is parsed once (a DuraVIP-scale file is 1.5 MB of YAML); a text that does not
  // parse goes through parseConfigText, which words syntax errors with line and column.
  const document: unknown = typeof source === 'string' ? documentOf(source) : source;
  const result = document === undefined ? parseConfigText(source as string) : parseConfig(document);
  if (!result.ok) throw new ConfigError(result.issues);
  const issues = deploymentIssues(result.config);
  if (issues.length > 0) throw new ConfigError(issues);
  return { config: result.config, text: JSON.stringify(document) };
}

/** The document as parseConfigText sees it, or undefined when the text has syntax errors. */
function documentOf(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  return doc.errors.length > 0 ? undefined : (doc.toJS() as unknown);
}

/** What validate accepts but a Lambda deployment cannot work with, phrased like validate's issues. */
export function deploymentIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.control.mode !== 'aws') {
    issues.push({
      path: 'control.mode',
      message: `cdk deploy builds the AWS control plane: expected "aws" (with region), got ${JSON.stringify(config.control.mode)}`,
    });
  } else if (config.control.table !== undefined && !TABLE_NAME.test(config.control.table)) {
    issues.push({
      path: 'control.table',
      message: 'a DynamoDB table name is 3 to 255 letters, digits, "_", "-" or "."',
    });
  }
  if (config.security.psk !== undefined) {
    issues.push({
      path: 'security.psk',
      message:
        "an inline pre-shared key would sit in the functions' code asset and the cloud assembly: keep it in Secrets Manager (the stack creates the secret, or give its ARN) and point agents at it with pskFile or pskEnv",
    });
  }
  return issues;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** The table the functions use: control.table, else ipferry-<cluster> with characters DynamoDB refuses replaced. */
export function tableNameOf(config: Config): string {
  const given = config.control.mode === 'aws' ? config.control.table : undefined;
  return given ?? `ipferry-${config.cluster}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

/** A name for dashboards, alarms and policies: the cluster's, with characters CloudWatch refuses replaced. */
export function resourceNameOf(config: Config): string {
  return `ipferry-${config.cluster}`.replace(/[^A-Za-z0-9_-]/g, '-');
}
