import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publicKeyText } from '../../control/answer-key';
import { makeCert } from '../helpers/tls-cert';

/**
 * What a control plane on a lab segment address needs (docs/security.md, finding 1): a
 * certificate for that address, which the agents trust as their CA file, and the answer key pair,
 * the private half in a 0600 file beside the certificate. Every lab host shares this filesystem.
 */
export async function controlIdentity(address: string): Promise<{ control: { answerKey: string; answerKeyFile: string; tls: { certFile: string; keyFile: string; caFile: string } }; dispose(): Promise<void> }> {
  const cert = await makeCert({ names: [address] });
  const dir = cert.caPath.replace(/\/[^/]+$/, '');
  const { privateKey } = generateKeyPairSync('ed25519');
  const answerKeyFile = join(dir, 'answer.key');
  const keyFile = join(dir, 'tls.key');
  await writeFile(answerKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(keyFile, cert.key, { mode: 0o600 });
  return { control: { answerKey: publicKeyText(privateKey), answerKeyFile, tls: { certFile: cert.caPath, keyFile, caFile: cert.caPath } }, dispose: () => cert.dispose() };
}
