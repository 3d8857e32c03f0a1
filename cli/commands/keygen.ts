import { rm, writeFile } from 'node:fs/promises';
import { keyFromSeed, publicKeyText } from '../../control/answer-key';
import { generateNodeKey } from '../../core/heartbeat';
import { parse, usageError, type Command } from '../command';
import { termSafe } from '../terminal-text';

const USAGE = `usage: ipferry keygen --out FILE [--force] [--for node|control]
       ipferry keygen --public-from-seed -

Makes an Ed25519 key. For a node (security.signing: ed25519): the private key goes to FILE (PEM,
readable by its owner alone: give it to the agent with --key FILE) and the public key is printed
as the line to put under that node in the cluster config. For the local control plane (--for
control): FILE is control.answerKeyFile, and the line printed is control.answerKey, which every
agent checks the control plane's answers with.

--public-from-seed - reads the AWS stack's answer key secret on stdin and prints its
control.answerKey line (docs/deploy-aws.md): aws secretsmanager get-secret-value --region REGION
--secret-id <the stack's AnswerKeySecretArn> --query SecretString --output text | ipferry keygen
--public-from-seed -

  --out FILE   where to write the private key (refused if it exists)
  --force      replace FILE if it exists
  --for WHO    node (default) or control`;

/** Secrets Manager holds at most 64 KiB of text. */
const MAX_SEED_BYTES = 65_536;

export const keygen: Command = {
  async run(argv) {
    const args = parse(argv, {
      usage: USAGE,
      options: {
        out: { type: 'string' },
        force: { type: 'boolean' },
        for: { type: 'string' },
        'public-from-seed': { type: 'string' },
      },
    });
    if (typeof args === 'number') return args;
    if (args.values['public-from-seed'] !== undefined) {
      if (args.values['public-from-seed'] !== '-')
        return usageError(USAGE, '--public-from-seed takes - (the secret on stdin)');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of process.stdin) {
        size += (c as Buffer).length;
        // A secret is a line of text; anything this large is the wrong input, not a seed.
        if (size > MAX_SEED_BYTES) {
          console.error(
            `ipferry keygen: more than ${MAX_SEED_BYTES} bytes on stdin: expected the secret's text (--query SecretString --output text)`,
          );
          return 1;
        }
        chunks.push(c as Buffer);
      }
      const seed = Buffer.concat(chunks).toString('utf8').trim();
      if (seed === '') {
        // The usual cause: the aws command before the pipe failed and printed only to stderr.
        console.error(
          'ipferry keygen: nothing on stdin: did aws secretsmanager get-secret-value fail (region, credentials, secret id)?',
        );
        return 1;
      }
      try {
        console.log(`answerKey: ${publicKeyText(keyFromSeed(seed))}`);
      } catch (err) {
        console.error(`ipferry keygen: ${termSafe((err as Error).message)}`);
        return 1;
      }
      return 0;
    }
    const who = args.values.for ?? 'node';
    if (who !== 'node' && who !== 'control') return usageError(USAGE, `--for is node or control, not ${termSafe(who)}`);
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
      const why =
        code === 'EEXIST'
          ? 'it exists (--force replaces it)'
          : code === 'ENOENT'
            ? 'its folder does not exist'
            : code === 'EACCES'
              ? 'permission denied'
              : (err as Error).message;
      console.error(`ipferry keygen: cannot write ${termSafe(out)}: ${termSafe(why)}`);
      return 1;
    }
    if (who === 'control') {
      console.log(`answerKey: ${key.publicKey}`);
      console.error(
        `private key written to ${termSafe(out)} (mode 0600); under control: put the answerKey line and answerKeyFile: ${termSafe(out)}`,
      );
    } else {
      console.log(`publicKey: ${key.publicKey}`);
      console.error(
        `private key written to ${termSafe(out)} (mode 0600); put the publicKey line under the node in the config`,
      );
    }
    return 0;
  },
};
