import type { Template } from 'aws-cdk-lib/assertions';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of one AWS::IAM::Policy, found by its logical id prefix. */
export function policyStatements(template: Template, logicalIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const ids = Object.keys(policies).filter((id) => id.startsWith(logicalIdPrefix));
  if (ids.length !== 1)
    throw new Error(`expected one policy starting with ${logicalIdPrefix}, found ${ids.join(', ') || 'none'}`);
  return (policies[ids[0]!] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
    .Statement;
}

/** Every statement of every IAM policy in the template (inline role policies included). */
export function allStatements(template: Template): Statement[] {
  const out: Statement[] = [];
  for (const p of Object.values(template.findResources('AWS::IAM::Policy')))
    out.push(
      ...(p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
  for (const r of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const p of (r as { Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } }).Properties
      .Policies ?? [])
      out.push(...p.PolicyDocument.Statement);
  }
  return out;
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

export function bySid(statements: Statement[], sid: string): Statement {
  const found = statements.filter((s) => s.Sid === sid);
  if (found.length !== 1) throw new Error(`expected one statement ${sid}, found ${found.length}`);
  return found[0]!;
}
