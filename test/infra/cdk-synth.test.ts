import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, lines, run, type Ran } from './helpers/run';

/**
 * `npx cdk synth` as an operator runs it, inside a network namespace of its own (`unshare -rn`:
 * no interface but a down loopback), so it provably needs no network: no version check, no
 * notices, no account lookup, no Docker — the functions are bundled by the local esbuild.
 */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const k of Object.keys(env))
    if (/^AWS_(PROFILE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|DEFAULT_PROFILE)$/.test(k)) delete env[k];
  return env;
}

const cdkSynth = (config: string, outdir: string): Promise<Ran> =>
  run(
    'unshare',
    [
      '-rn',
      bin('cdk'),
      'synth',
      '-c',
      `config=${config}`,
      '--no-notices',
      '--no-version-reporting',
      '-o',
      outdir,
      '-q',
    ],
    { env: offlineEnv(), timeoutMs: 240_000 },
  );

describe('npx cdk synth, offline', () => {
  let outdir: string;
  let synth: Ran;
  let seconds: number;
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'ipferry-cdk-'));
    const started = performance.now();
    synth = await cdkSynth('examples/aws/ipferry.yaml', outdir);
    seconds = (performance.now() - started) / 1000;
  }, 250_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("exits 0 and writes the stack's template to the cloud assembly", () => {
    expect(synth.code, synth.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'ipferry-mail-eu.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Runtime?: string } }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(3);
    expect(types).toContain('AWS::DynamoDB::Table');
    expect(types).not.toContain('AWS::CDK::Metadata');
    console.log(`cdk synth took ${seconds.toFixed(1)} s`);
  });

  it('cdk-nag ran as a validation plugin and reported no failure', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { conclusion?: string }[];
    };
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success')).toEqual([]);
  });

  it('each function is an ESM bundle (index.mjs) that loads under Node and exports its handler', async () => {
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(assets).toHaveLength(3);
    for (const a of assets) {
      const entry = join(outdir, a, 'index.mjs');
      expect(existsSync(entry), a).toBe(true);
      // The deployed config travels in the asset, beside the bundle (IPFERRY_CONFIG_FILE).
      expect(existsSync(join(outdir, a, 'ipferry-config.json')), a).toBe(true);
      const loaded = await run(
        'unshare',
        [
          '-rn',
          process.execPath,
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(entry)}); console.log(typeof m.handler);`,
        ],
        { env: offlineEnv(), timeoutMs: 60_000 },
      );
      expect(lines(loaded.stdout), loaded.stderr).toEqual(['function']);
    }
  });

  it("a bad config makes cdk synth fail with validate's messages", async () => {
    const bad = mkdtempSync(join(tmpdir(), 'ipferry-cdk-bad-'));
    try {
      const r = await cdkSynth('test/infra/fixtures/bad.yaml', bad);
      expect(r.code).not.toBe(0);
      const out = lines(r.stderr);
      expect(out).toContain('test/infra/fixtures/bad.yaml: 2 problems');
      expect(out).toContain('  nodes[0].aws.eni: expected an interface id like "eni-0abc1234def567890"');
      expect(out).toContain('  vips[1].aws.routeTables[0]: expected a route table id like "rtb-0abc1234"');
      expect(existsSync(join(bad, 'ipferry-bad.template.json'))).toBe(false);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  }, 250_000);
});
