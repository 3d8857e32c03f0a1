import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { keygen } from '../../cli/commands/keygen';
import { loadConfig } from '../../core/config';

const dir = mkdtempSync(join(tmpdir(), 'ipferry-keygen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  return { code: await keygen.run(argv), out, err };
}

describe('ipferry keygen', () => {
  it('writes an Ed25519 private key readable by its owner alone and prints the matching publicKey line', async () => {
    const file = join(dir, 'web1.pem');
    const r = await run('--out', file);
    expect(r.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const privateKey = createPrivateKey(readFileSync(file));
    expect(privateKey.asymmetricKeyType).toBe('ed25519');
    expect(r.out).toHaveLength(1);
    const publicKey = /^publicKey: ([A-Za-z0-9+/]{43}=)$/.exec(r.out[0]!)![1]!;
    // The printed key verifies what the written key signs.
    const raw = Buffer.from(publicKey, 'base64');
    const spki = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
      format: 'der',
      type: 'spki',
    });
    const data = Buffer.from('heartbeat');
    expect(verify(null, data, spki, sign(null, data, privateKey))).toBe(true);
    // And the line is what the config takes.
    const config = loadConfig({
      cluster: 'k',
      security: { signing: 'ed25519' },
      nodes: [{ id: 'web1', interface: 'eth0', publicKey }],
    });
    expect(config.nodes[0]!.publicKey).toBeDefined();
  });

  it('refuses to overwrite a key unless --force, which leaves the file 0600', async () => {
    const file = join(dir, 'old.pem');
    writeFileSync(file, 'old key', { mode: 0o644 });
    const r = await run('--out', file);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(`ipferry keygen: cannot write ${file}: it exists (--force replaces it)`);
    expect(readFileSync(file, 'utf8')).toBe('old key');
    expect((await run('--out', file, '--force')).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('needs --out, and says why a file cannot be written', async () => {
    const missing = await run();
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toMatch(/^ipferry: --out FILE is required/);
    const nowhere = await run('--out', join(dir, 'no', 'such', 'k.pem'));
    expect(nowhere.code).toBe(1);
    expect(nowhere.err[0]).toMatch(/its folder does not exist$/);
  });
});
