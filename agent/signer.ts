import { readFile } from 'node:fs/promises';
import type { Config, NodeSpec } from '../core/config';
import { ed25519Signer, hmacSigner, privateKeyFrom, publicKeyFrom, type Signer } from '../core/heartbeat';

export interface SignerSources {
  /** --key: a PEM file with the node's Ed25519 private key. */
  keyFile?: string;
  env?: NodeJS.ProcessEnv;
  read?: (path: string) => Promise<string>;
}

/**
 * The signer the config asks for. Ed25519: the node's private key from --key, checked against the
 * public key the config lists for the node (a wrong key would sign heartbeats nobody accepts).
 * HMAC: the cluster's pre-shared key, inline, from `pskFile` or from the `pskEnv` variable.
 */
export async function signerFor(config: Config, node: NodeSpec, sources: SignerSources = {}): Promise<Signer> {
  const read = sources.read ?? ((p: string) => readFile(p, 'utf8'));
  const { security } = config;
  if (security.signing === 'ed25519') {
    if (!sources.keyFile)
      throw new Error(`the cluster signs heartbeats with ed25519: give node ${node.id}'s private key with --key FILE`);
    let pem: string;
    try {
      pem = await read(sources.keyFile);
    } catch (err) {
      throw new Error(
        `cannot read --key ${sources.keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const key = privateKeyFrom(pem);
    if (node.publicKey) {
      const have = publicKeyFrom(node.publicKey).export({ format: 'jwk' }).x;
      const mine = key.export({ format: 'jwk' }).x;
      if (have !== mine)
        throw new Error(
          `--key ${sources.keyFile} is not node ${node.id}'s key: its public key differs from nodes[${node.id}].publicKey`,
        );
    } else {
      throw new Error(
        `nodes[${node.id}].publicKey is not set: the control plane could not verify this node's heartbeats`,
      );
    }
    return ed25519Signer(key);
  }
  if (sources.keyFile)
    throw new Error('--key is for ed25519 signing; this cluster uses a pre-shared key (hmac-sha256)');
  return hmacSigner(await presharedKey(config, sources.env ?? process.env, read));
}

/** The cluster's pre-shared key: inline, from `pskFile` or from the `pskEnv` variable (also what `ipferry control` verifies with). */
export async function presharedKey(
  config: Config,
  env: NodeJS.ProcessEnv,
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<string> {
  const s = config.security;
  let psk: string | undefined = s.psk;
  let from = 'security.psk';
  if (psk === undefined && s.pskFile) {
    from = `security.pskFile ${s.pskFile}`;
    try {
      psk = (await read(s.pskFile)).trim();
    } catch (err) {
      throw new Error(`cannot read ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (psk === undefined && s.pskEnv) {
    from = `security.pskEnv ($${s.pskEnv})`;
    psk = env[s.pskEnv];
    if (psk === undefined) throw new Error(`${from} is not set in the environment`);
  }
  if (psk === undefined)
    throw new Error('hmac-sha256 signing needs a pre-shared key: set security.psk, pskFile or pskEnv');
  if (psk.length < 16) throw new Error(`the pre-shared key from ${from} is shorter than 16 characters`);
  return psk;
}
