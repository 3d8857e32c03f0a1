import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EC2_CALLS, ROUTE53_CALLS } from '../../infra/provider-permissions';
import { STORE_ACTIONS } from '../../infra/state-table';
import { ROOT } from './helpers/synth';

/** The SDK commands a folder's sources send (`new XCommand(`), as IAM actions of `service`. */
function commandsIn(
  folder: string,
  service: string,
  opts: { skip?: string[]; rename?: Record<string, string> } = {},
): string[] {
  const dir = join(ROOT, folder);
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !(opts.skip ?? []).includes(f))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/new (\w+)Command\(/g)) names.add(m[1]!);
  }
  return [...names].map((n) => `${service}:${opts.rename?.[n] ?? n}`).sort();
}

// If an adapter starts making a call the policies do not grant (or stops making one they do),
// these fail: the IAM statements follow the code, not a guess.
describe('the policies grant exactly the calls the adapters make', () => {
  it('EC2: adapters/aws/ec2 commands equal the write and Describe actions of EC2_CALLS', () => {
    const granted = new Set(Object.values(EC2_CALLS).flatMap((c) => [...c.write, ...c.describe]));
    expect(commandsIn('adapters/aws/ec2', 'ec2')).toEqual([...granted].sort());
  });

  it('Route 53: adapters/aws/route53 commands equal ChangeResourceRecordSets, ListResourceRecordSets, GetChange', () => {
    expect(commandsIn('adapters/aws/route53', 'route53')).toEqual(
      [ROUTE53_CALLS.change, ROUTE53_CALLS.getChange, ROUTE53_CALLS.list].sort(),
    );
  });

  it("DynamoDB: the store's item commands equal STORE_ACTIONS (table.ts creates tables for tests only)", () => {
    const rename = {
      Get: 'GetItem',
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      BatchGet: 'BatchGetItem',
      BatchWrite: 'BatchWriteItem',
      TransactWrite: 'TransactWriteItems',
      TransactGet: 'TransactGetItems',
    };
    expect(commandsIn('adapters/dynamodb-store', 'dynamodb', { skip: ['table.ts'], rename })).toEqual([
      ...STORE_ACTIONS,
    ]);
  });
});
