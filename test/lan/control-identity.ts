import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { publicKeyText } from '../../control/answer-key';
import { makeCert } from '../helpers/tls-cert';

export interface LabControlIdentity {
  control: { answerKey: string; answerKeyFile: string; tls: { certFile: string; keyFile: string; caFile: string } };
  /** Removes the folder and its three files (also done when the calling test finishes). */
  dispose(): Promise<void>;
}

/**
 * What a control plane on a lab segment address needs (docs/security.md, finding 1): a
 * certificate for that address, which the agents trust as their CA file, and the answer key pair.
 * The files live in a folder of their own, 0700 (mkdtemp), each 0600: two private keys must not be
 * readable by anyone else on the machine, even for the length of a test. Every lab host shares
 * this filesystem as the same user. Called inside a test, the folder is removed when that test
 * finishes, whether it passed or not, so a failing lab run leaves no keys behind either.
 */
export async function controlIdentity(address: string): Promise<LabControlIdentity> {
  const dir = await mkdtemp(join(tmpdir(), 'ipferry-control-identity-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const cert = await makeCert({ names: [address] });
    // makeCert's own folder (openssl's work files) goes at once; what is kept is copied here.
    await cert.dispose();
    const { privateKey } = generateKeyPairSync('ed25519');
    const at = (f: string) => join(dir, f);
    // 'wx': a fresh file created with the mode, never an existing one reused.
    await writeFile(at('answer.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    await writeFile(at('tls.key'), cert.key, { mode: 0o600, flag: 'wx' });
    await writeFile(at('tls.crt'), cert.cert, { mode: 0o600, flag: 'wx' });
    registerCleanup(dispose);
    return {
      control: {
        answerKey: publicKeyText(privateKey),
        answerKeyFile: at('answer.key'),
        tls: { certFile: at('tls.crt'), keyFile: at('tls.key'), caFile: at('tls.crt') },
      },
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Inside a running test, remove the files when it finishes; elsewhere the caller disposes. */
function registerCleanup(dispose: () => Promise<void>): void {
  try {
    onTestFinished(dispose);
  } catch {
    // Not inside a test (a hook or a script): the caller owns dispose().
  }
}
