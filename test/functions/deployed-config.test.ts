import { describe, expect, it } from 'vitest';
import { configDigest } from '../../core/config';
import { configFromEnv } from '../../functions/deployed-config';
import { awsClusterText } from './world';

const files =
  (map: Record<string, string>) =>
  (p: string): string => {
    const text = map[p];
    if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return text;
  };

describe('configFromEnv: the config a function runs', () => {
  const text = awsClusterText();
  const digest = configDigest(configFromEnv({ IPFERRY_CONFIG: text }));

  it('from the asset: IPFERRY_CONFIG_FILE under LAMBDA_TASK_ROOT, checked against IPFERRY_CONFIG_DIGEST', () => {
    const env = {
      IPFERRY_CONFIG_FILE: 'ipferry-config.json',
      IPFERRY_CONFIG_DIGEST: digest,
      LAMBDA_TASK_ROOT: '/var/task',
    };
    expect(configDigest(configFromEnv(env, files({ '/var/task/ipferry-config.json': text })))).toBe(digest);
  });

  it('refuses a file whose digest is not the one the stack was built with, naming both', () => {
    const env = { IPFERRY_CONFIG_FILE: '/opt/c.json', IPFERRY_CONFIG_DIGEST: '0123456789abcdef' };
    expect(() => configFromEnv(env, files({ '/opt/c.json': text }))).toThrow(
      `/opt/c.json has digest ${digest}, but IPFERRY_CONFIG_DIGEST says the stack was built with 0123456789abcdef`,
    );
  });

  it('a missing file, a file that does not validate (YAML too), and no config at all are errors that say so', () => {
    expect(() => configFromEnv({ IPFERRY_CONFIG_FILE: '/none.json' }, files({}))).toThrow(
      'IPFERRY_CONFIG_FILE: cannot read /none.json: ENOENT',
    );
    expect(() =>
      configFromEnv({ IPFERRY_CONFIG_FILE: '/c.yaml' }, files({ '/c.yaml': 'cluster: mail\nnodes: []\n' })),
    ).toThrow(/nodes: at least one node is needed.*\(in \/c\.yaml\)/);
    expect(() => configFromEnv({}, files({}))).toThrow('neither IPFERRY_CONFIG_FILE nor IPFERRY_CONFIG is set');
  });
});
