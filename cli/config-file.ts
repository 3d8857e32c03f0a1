import { formatIssue, type ConfigError } from '../core/config';
import { FILE_ISSUE_PATH } from '../core/config/load';
import { termSafe } from './terminal-text';

/** The one config-file reader, shared with the agent (which may not import cli/). */
export { readConfigFile } from '../agent/config-file';

/** A problem with the file as a whole (missing, empty) is one plain line; field problems are listed. */
export function printConfigError(file: string, err: ConfigError): void {
  const [only] = err.issues;
  if (err.issues.length === 1 && only!.path === FILE_ISSUE_PATH) {
    console.error(`ipferry: ${termSafe(only!.message, 400)}`);
    return;
  }
  console.error(`${termSafe(file)}: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}`);
  for (const issue of err.issues) console.error(`  ${termSafe(formatIssue(issue), 400)}`);
}
