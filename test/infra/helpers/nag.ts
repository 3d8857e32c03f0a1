import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

export interface Finding {
  rule: string;
  severity: string;
  path: string;
}

/** Every finding of both packs (errors and warnings) that is not acknowledged. */
export function unacknowledged(app: App): Finding[] {
  const out: Finding[] = [];
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    for (const v of pack.validateScope(app).violations)
      for (const r of v.violatingResources)
        out.push({ rule: v.ruleName, severity: v.severity ?? 'unknown', path: r.constructPath ?? 'unknown' });
  }
  return out;
}

export interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** The acknowledgements recorded in the construct tree, where they were made and why. */
export function acknowledgements(app: App): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>))
        out.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
    }
  }
  return out;
}

/** Synthesizes the app as the CLI would (validation plugins included) and returns CDK's validation report. */
export function synthReport(makeApp: (outdir: string) => App): {
  report: { pluginReports: unknown[] };
  threw: unknown;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'ipferry-nag-'));
  try {
    let threw: unknown;
    try {
      makeApp(outdir).synth();
    } catch (err) {
      threw = err;
    }
    return {
      report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] },
      threw,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
