import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, publicKeyText } from '../../control/answer-key';
import { checkAnswer, publicKeyFrom, type HeartbeatAnswer } from '../../core/heartbeat';
import { signerOf } from '../../functions/heartbeat';
import type { Runtime } from '../../functions/runtime';
import { lan } from '../helpers/configs';

/**
 * The heartbeat function's answer key (docs/deploy-aws.md): Ed25519 from the SHA-256 of the
 * secret's text, whose public half `ipferry keygen --public-from-seed` prints for the agents.
 */
const SEED = 'answer-key-seed-0123456789abcdefghijklmnopqrstuvwxyz';
const runtimeWith = (answerKey?: string) =>
  ({
    ctx: {
      config: lan({
        nodes: 1,
        vips: [],
        control: { mode: 'local', liveness: 'direct', ...(answerKey ? { answerKey } : {}) },
      }),
    },
  }) as unknown as Runtime;
const answer: HeartbeatAnswer = {
  v: 1,
  cluster: 'test',
  node: 'n1',
  receivedAt: 1,
  assignments: [],
  notes: [],
  version: 0,
  inReplyTo: { bootId: 'boot-0001', seq: 1 },
};

describe('security: the heartbeat function signs with the key seeded from its secret', () => {
  it('signs answers agents verify with the public half derived from the same secret', async () => {
    const key = publicKeyText(keyFromSeed(SEED));
    const reads: string[] = [];
    const rt = runtimeWith(key);
    const signer = await signerOf(
      rt,
      { IPFERRY_ANSWER_KEY_SECRET: 'arn:answer' },
      async (id) => (reads.push(id), `${SEED}\n`),
    );
    expect(signer?.alg).toBe('ed25519');
    const text = JSON.stringify(answer);
    const verdict = checkAnswer(
      text,
      `ed25519 ${signer!.sign(Buffer.from(text))}`,
      { cluster: 'test', node: 'n1', bootId: 'boot-0001', seq: 1 },
      publicKeyFrom(key),
      undefined,
    );
    expect(verdict).toMatchObject({ ok: true });
    // Read once per container.
    await signerOf(rt, { IPFERRY_ANSWER_KEY_SECRET: 'arn:answer' }, async () => SEED);
    expect(reads).toEqual(['arn:answer']);
  });

  it('refuses a secret that is not the configured key, or too short; without the variable it does not sign', async () => {
    const other = publicKeyText(generateKeyPairSync('ed25519').privateKey);
    // The error names what exists in AWS (the secret, and how to derive its answerKey), not the
    // local control plane's answerKeyFile, which a Lambda function has no such thing as.
    const mismatch = signerOf(runtimeWith(other), { IPFERRY_ANSWER_KEY_SECRET: 'arn:answer' }, async () => SEED);
    await expect(mismatch).rejects.toThrow(
      /^the answer key secret arn:answer \(IPFERRY_ANSWER_KEY_SECRET\) does not hold the private half of control\.answerKey: agents would refuse every answer; print the matching answerKey with: aws secretsmanager get-secret-value --secret-id arn:answer --query SecretString --output text \| ipferry keygen --public-from-seed -/,
    );
    await expect(mismatch).rejects.not.toThrow(/answerKeyFile/);
    await expect(
      signerOf(runtimeWith(), { IPFERRY_ANSWER_KEY_SECRET: 'arn:answer' }, async () => 'short'),
    ).rejects.toThrow('the answer key secret is 5 characters; at least 32 are needed');
    expect(await signerOf(runtimeWith(), {}, async () => SEED)).toBeUndefined();
  });
});
