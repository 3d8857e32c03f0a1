import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../core/config';
import { deployConfig } from '../../infra/deploy-config';
import { buildApp } from '../../infra/build-app';
import { bin, lines, run } from './helpers/run';
import { appContext, EXAMPLE_AWS, FIXTURES, hetznerOnAws, readText, ROOT, synth, TEST_ENV } from './helpers/synth';

const BAD = 'test/infra/fixtures/bad.yaml';

const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('no ConfigError');
};

describe('a bad config fails synthesis with the messages ipferry validate prints', () => {
  it('infra/app.ts prints exactly the lines of `ipferry validate` and exits 1', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ipferry-bad-'));
    try {
      const [validate, app] = await Promise.all([
        run(bin('tsx'), ['cli/main.ts', 'validate', BAD], { timeoutMs: 60_000 }),
        // What the CDK CLI does for `cdk synth -c config=…`: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR.
        run(bin('tsx'), ['infra/app.ts'], {
          env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: BAD }), CDK_OUTDIR: outdir },
          timeoutMs: 60_000,
        }),
      ]);
      expect(validate.code).toBe(1);
      expect(app.code).toBe(1);
      expect(lines(app.stderr)).toEqual(lines(validate.stderr));
      expect(lines(app.stderr)).toEqual([
        `${BAD}: 2 problems`,
        '  nodes[0].aws.eni: expected an interface id like "eni-0abc1234def567890"',
        '  vips[1].aws.routeTables[0]: expected a route table id like "rtb-0abc1234"',
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('in process: the construct throws a ConfigError with the same issues as parseConfigText', () => {
    const text = readText(join(FIXTURES, 'bad.yaml'));
    const parsed = parseConfigText(text);
    expect(parsed.ok).toBe(false);
    const expected = parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
    expect(issuesOf(() => synth(text))).toEqual(expected);
  });

  it('YAML syntax errors come with line and column, like validate', () => {
    expect(issuesOf(() => deployConfig('cluster: [unclosed\n'))[0]).toMatch(/^\(line \d+, column \d+\): /);
  });
});

describe('what validate accepts but a deployment cannot use', () => {
  const example = readText(EXAMPLE_AWS);

  it('a control plane that is not aws', () => {
    expect(
      issuesOf(() =>
        deployConfig(example.replace('control: { mode: aws, region: eu-central-1 }', 'control: { mode: local }')),
      ),
    ).toEqual(['control.mode: cdk deploy builds the AWS control plane: expected "aws" (with region), got "local"']);
  });

  it('an inline pre-shared key (it would sit in the code asset and the cloud assembly)', () => {
    const issues = issuesOf(() =>
      deployConfig(example.replace('security: { signing: ed25519 }', 'security: { psk: "0123456789abcdef0123" }')),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^security\.psk: an inline pre-shared key would sit in the functions' code asset and the cloud assembly/,
    );
  });

  it('a table name DynamoDB refuses', () => {
    expect(
      issuesOf(() =>
        deployConfig(example.replace('region: eu-central-1 }', 'region: eu-central-1, table: "bad name" }')),
      ),
    ).toEqual(['control.table: a DynamoDB table name is 3 to 255 letters, digits, "_", "-" or "."']);
  });

  it("a stack in another region than the config's control plane", () => {
    expect(issuesOf(() => synth(example, {}, { ...TEST_ENV, region: 'us-east-1' }))).toEqual([
      "control.region: the stack deploys to us-east-1, but the config's control plane is in eu-central-1",
    ]);
  });

  it('a partial secret ARN (GetSecretValue on it would match nothing)', () => {
    expect(() =>
      synth(hetznerOnAws(), {
        secrets: { psk: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:ipferry/psk' },
      }),
    ).toThrow(/^secrets\.psk: expected a complete secret ARN/);
  });

  it('a config file that cannot be read', () => {
    expect(
      issuesOf(() => buildApp({ appProps: { context: appContext({ config: 'test/infra/fixtures/missing.yaml' }) } })),
    ).toEqual([`(file): cannot read ${join(ROOT, 'test/infra/fixtures/missing.yaml')}: ENOENT`]);
  });
});
