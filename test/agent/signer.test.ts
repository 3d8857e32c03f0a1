import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, heartbeatVerifier, sealHeartbeat } from '../../core/heartbeat';
import { signerFor } from '../../agent/signer';
import { config } from '../helpers/configs';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-keys-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const NOW = 1_700_000_000_000;
const hb = (node: string) => ({
  v: 1 as const,
  cluster: 'k',
  node,
  bootId: 'boot-0001',
  seq: 1,
  sentAt: NOW,
  checks: {},
  held: [],
  configDigest: '0123456789abcdef',
});

describe('signerFor', () => {
  it("signs with the --key file when the cluster uses ed25519, and checks it is the node's key", async () => {
    const mine = generateNodeKey();
    const other = generateNodeKey();
    const c = config({
      cluster: 'k',
      nodes: [
        { id: 'a', publicKey: mine.publicKey },
        { id: 'b', publicKey: other.publicKey },
      ],
    });
    const keyFile = join(dir, 'a.pem');
    await writeFile(keyFile, mine.privateKeyPem);
    const signer = await signerFor(c, c.nodes[0]!, { keyFile });
    expect(heartbeatVerifier(c).verify(sealHeartbeat(hb('a'), signer), NOW, () => undefined)).toMatchObject({
      ok: true,
    });
    await expect(signerFor(c, c.nodes[1]!, { keyFile })).rejects.toThrow(
      `--key ${keyFile} is not node b's key: its public key differs from nodes[b].publicKey`,
    );
    await expect(signerFor(c, c.nodes[0]!, {})).rejects.toThrow(
      "the cluster signs heartbeats with ed25519: give node a's private key with --key FILE",
    );
    await expect(signerFor(c, c.nodes[0]!, { keyFile: join(dir, 'missing.pem') })).rejects.toThrow('cannot read --key');
  });

  it('takes the pre-shared key inline, from pskFile or from pskEnv', async () => {
    const pskFile = join(dir, 'psk');
    await writeFile(pskFile, 'file-psk-0123456789abcdef\n');
    const nodes = [{ id: 'a' }];
    for (const [security, env] of [
      [{ psk: 'inline-psk-0123456789abcdef' }, {}],
      [{ pskFile }, {}],
      [{ pskEnv: 'IPFERRY_TEST_PSK' }, { IPFERRY_TEST_PSK: 'env-psk-0123456789abcdef' }],
    ] as const) {
      const c = config({ cluster: 'k', nodes, security });
      const signer = await signerFor(c, c.nodes[0]!, { env });
      const psk =
        'psk' in security
          ? security.psk
          : 'pskFile' in security
            ? 'file-psk-0123456789abcdef'
            : 'env-psk-0123456789abcdef';
      expect(heartbeatVerifier(c, { psk }).verify(sealHeartbeat(hb('a'), signer), NOW, () => undefined)).toMatchObject({
        ok: true,
      });
    }
    const c = config({ cluster: 'k', nodes, security: { pskEnv: 'IPFERRY_TEST_PSK' } });
    await expect(signerFor(c, c.nodes[0]!, { env: {} })).rejects.toThrow(
      'security.pskEnv ($IPFERRY_TEST_PSK) is not set in the environment',
    );
    await expect(signerFor(c, c.nodes[0]!, { env: { IPFERRY_TEST_PSK: 'short' } })).rejects.toThrow(
      'shorter than 16 characters',
    );
    await expect(signerFor(c, c.nodes[0]!, { keyFile: pskFile, env: {} })).rejects.toThrow(
      '--key is for ed25519 signing',
    );
  });
});
