import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bigClusterConfig } from '../../bench/big-cluster';
import { configDigest, parseConfigText } from '../../core/config';
import { environmentSize, LAMBDA_ENV_LIMIT } from '../../infra/environment';
import { synth, TEST_ENV } from './helpers/synth';

type Fn = { Properties: { Environment: { Variables: Record<string, unknown> } } };

describe('a DuraVIP-scale config (256 nodes, 10,240 VIPs) synthesizes', () => {
  it('the environment stays a pointer and a digest, far under 4 KB; the config is staged whole for the assets', () => {
    const yaml = stringify(bigClusterConfig({ nodes: 256, vips: 10_240, liveness: 'direct' }));
    // The size issue 13 measured: about 1.5 MB of YAML, far past the 4 KB the environment allows.
    expect(yaml.length).toBeGreaterThan(1_000_000);
    const parsed = parseConfigText(yaml);
    if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const s = synth(yaml, {}, { ...TEST_ENV, region: 'us-east-1' });
    const fns = Object.values(s.template.findResources('AWS::Lambda::Function')) as Fn[];
    expect(fns).toHaveLength(3);
    for (const fn of fns) {
      const env = fn.Properties.Environment.Variables;
      expect(env.IPFERRY_CONFIG_DIGEST).toBe(configDigest(parsed.config));
      expect(env.IPFERRY_CONFIG).toBeUndefined();
      // Values that are references (the table name) count as their JSON here: more than they will take.
      const literal = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      );
      expect(environmentSize(literal)).toBeLessThan(LAMBDA_ENV_LIMIT / 4);
    }
    const dir = join(s.app.outdir, 'ipferry-config');
    const [staged] = readdirSync(dir);
    expect(statSync(join(dir, staged!)).size).toBeGreaterThan(500_000);
  }, 120_000);
});
