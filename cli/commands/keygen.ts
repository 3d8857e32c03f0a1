import { rm, writeFile } from 'node:fs/promises';
import { generateNodeKey } from '../../core/heartbeat';
import { parse, usageError, type Command } from '../command';
import { termSafe } from '../terminal-text';

const USAGE = `usage: ipferry keygen --out FILE [--force]

Makes a node's Ed25519 heartbeat key (security.signing: ed25519). The private key goes to FILE
(PEM, readable by its owner alone: give it to the agent with --key FILE); the public key is
printed as the line to put under that node in the cluster config.

  --out FILE   where to write the private key (refused if it exists)
  --force      replace FILE if it exists`;

export const keygen: Command = {
  async run(argv) {
    const args = parse(argv, { usage: USAGE, options: { out: { type: 'string' }, force: { type: 'boolean' } } });
    if (typeof args === 'number') return args;
    const out = args.values.out;
    if (!out) return usageError(USAGE, '--out FILE is required: where the private key goes');
    const key = generateNodeKey();
    try {
      // Created 0600 in the one call: never readable by others, not even for a moment. 'wx' refuses
      // to overwrite a key someone may still use; --force removes the old file first, so the new
      // key never sits in a file with the old one's looser mode.
      if (args.values.force) await rm(out, { force: true });
      await writeFile(out, key.privateKeyPem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EEXIST' ? 'it exists (--force replaces it)' : code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      console.error(`ipferry keygen: cannot write ${termSafe(out)}: ${termSafe(why)}`);
      return 1;
    }
    console.log(`publicKey: ${key.publicKey}`);
    console.error(`private key written to ${termSafe(out)} (mode 0600); put the publicKey line under the node in the config`);
    return 0;
  },
};
