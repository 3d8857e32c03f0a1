import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlIdentity } from './control-identity';

/** The lab control plane's key and certificate files: private while they exist, gone after the test. */
describe('lab control identity files', () => {
  let folder = '';
  it('three 0600 files in a 0700 folder of their own', async () => {
    const { control } = await controlIdentity('198.18.0.14');
    folder = dirname(control.answerKeyFile);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const f of [control.answerKeyFile, control.tls.keyFile, control.tls.certFile]) {
      expect(dirname(f)).toBe(folder);
      expect(statSync(f).mode & 0o777, f).toBe(0o600);
    }
    expect(control.tls.caFile).toBe(control.tls.certFile);
  });

  it('the folder is removed when the test that made it finished', () => {
    expect(folder).not.toBe('');
    expect(existsSync(folder)).toBe(false);
  });
});
