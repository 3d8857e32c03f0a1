// The CDK app behind `npx cdk synth|deploy -c config=FILE` (cdk.json runs it with tsx).
import { ConfigError, formatIssue } from '../core/config';
import { buildApp } from './build-app';

try {
  buildApp();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // The same lines `ipferry validate` prints, so a bad config reads alike in both places.
  const file = configLabel();
  console.error(`${file}: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}`);
  for (const issue of err.issues) console.error(`  ${formatIssue(issue)}`);
  process.exit(1);
}

/** The config file as the user named it (the CLI passes context as JSON in CDK_CONTEXT_JSON). */
function configLabel(): string {
  try {
    const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as { config?: unknown };
    return typeof context.config === 'string' ? context.config : 'config';
  } catch {
    return 'config';
  }
}
