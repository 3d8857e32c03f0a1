import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../core/config/model';
import { ed25519Signer, privateKeyFrom, publicKeyFrom, type Signer } from '../core/heartbeat';

/** What the local control plane needs from files before it listens. */
export interface ControlIdentity {
  /** Signs answers; undefined only when the config names no answerKey (loopback labs). */
  signer?: Signer;
  /** HTTPS: PEM certificate chain and key. */
  tls?: { cert: string; key: string };
}

/**
 * The local control plane's answer key and TLS files, named in the config (paths relative to the
 * working directory, as pskFile). A private key that does not match `control.answerKey` is an
 * error here, at start, not a stream of answers every agent refuses.
 */
export async function loadControlIdentity(
  config: Config,
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<ControlIdentity> {
  const c = config.control;
  if (c.mode !== 'local') return {};
  const out: ControlIdentity = {};
  if (c.answerKeyFile !== undefined) {
    const key = privateKeyFrom(await readNamed(read, c.answerKeyFile, 'control.answerKeyFile'));
    out.signer = answerSigner(key, c.answerKey);
  } else if (c.answerKey !== undefined) {
    throw new Error(
      'control.answerKey is set but control.answerKeyFile is not: the control plane cannot sign its answers, and every agent would refuse them (ipferry keygen --for control --out FILE)',
    );
  }
  if (c.tls?.certFile !== undefined || c.tls?.keyFile !== undefined) {
    if (c.tls.certFile === undefined || c.tls.keyFile === undefined)
      throw new Error('control.tls needs both certFile and keyFile to serve HTTPS');
    out.tls = {
      cert: await readNamed(read, c.tls.certFile, 'control.tls.certFile'),
      key: await readNamed(read, c.tls.keyFile, 'control.tls.keyFile'),
    };
  }
  return out;
}

/** Where a private answer key came from, for errors the operator can act on where they run. */
export interface KeySource {
  /** What holds the key, as the operator names it: `control.answerKeyFile`, or the AWS secret. */
  holder: string;
  /** How to get a matching control.answerKey. */
  fix: string;
}

export const ANSWER_KEY_FILE: KeySource = {
  holder: 'control.answerKeyFile',
  fix: 'use the answerKey line ipferry keygen --for control printed with that file',
};

/** The heartbeat function's key source: the secret IPFERRY_ANSWER_KEY_SECRET names (docs/deploy-aws.md). */
export function answerKeySecret(id: string): KeySource {
  return {
    holder: `the answer key secret ${id} (IPFERRY_ANSWER_KEY_SECRET)`,
    fix: `print the matching answerKey with: aws secretsmanager get-secret-value --secret-id ${id} --query SecretString --output text | ipferry keygen --public-from-seed -, put it in the config, deploy again`,
  };
}

/** A signer for answers, refusing a private key whose public half is not the configured one. */
export function answerSigner(
  key: KeyObject,
  answerKey: string | undefined,
  source: KeySource = ANSWER_KEY_FILE,
): Signer {
  if (answerKey === undefined)
    throw new Error(
      'the control plane has a signing key but the config names no control.answerKey: agents would not check its answers; add the public key it was made with',
    );
  const mine = createPublicKey(key).export({ format: 'der', type: 'spki' });
  if (!mine.equals(publicKeyFrom(answerKey).export({ format: 'der', type: 'spki' }))) {
    throw new Error(
      `${source.holder} does not hold the private half of control.answerKey: agents would refuse every answer; ${source.fix}`,
    );
  }
  return ed25519Signer(key);
}

/**
 * The AWS control plane's key: Secrets Manager holds a random string (CloudFormation can make
 * one, not an Ed25519 key), and the key is the Ed25519 key whose 32-byte seed is its SHA-256.
 * `ipferry keygen --public-from-seed -` derives the public half the same way (docs/deploy-aws.md).
 */
export function keyFromSeed(secret: string): KeyObject {
  if (secret.length < 32)
    throw new Error(`the answer key secret is ${secret.length} characters; at least 32 are needed`);
  const seed = createHash('sha256').update(secret, 'utf8').digest();
  // PKCS#8 for Ed25519 is a fixed 16-byte prefix and the seed (RFC 8410, section 7).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** The public key as configs carry it: base64 of its 32 raw bytes. */
export function publicKeyText(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

async function readNamed(read: (path: string) => Promise<string>, path: string, field: string): Promise<string> {
  try {
    return await read(path);
  } catch (err) {
    throw new Error(`cannot read ${field} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
