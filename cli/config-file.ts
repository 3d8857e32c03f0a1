import { formatIssue, type ConfigError } from '../core/config';
import { termSafe } from './terminal-text';

/** The one config-file reader, shared with the agent (which may not import cli/). */
export { readConfigFile } from '../agent/config-file';

export function printConfigError(file: string, err: ConfigError): void {
  console.error(`${termSafe(file)}: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}`);
  for (const issue of err.issues) console.error(`  ${termSafe(formatIssue(issue), 400)}`);
}
