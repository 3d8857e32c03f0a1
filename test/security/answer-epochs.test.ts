import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatBuilder, HttpTransport } from '../../agent/heartbeat';
import { publicKeyText } from '../../control/answer-key';
import {
  ANSWER_SIGNATURE_HEADER,
  checkAnswer,
  ed25519Signer,
  hmacSigner,
  MAX_EPOCH,
  MAX_EPOCH_STEP,
  publicKeyFrom,
  signAnswer,
  type HeartbeatAnswer,
} from '../../core/heartbeat';

/**
 * Epochs cannot run away in control-plane mode: an agent takes an epoch only up to the answer's
 * own version, below the cap, and within MAX_EPOCH_STEP of the highest version it has seen. The
 * recovery when a real control plane has moved on further (a store restored from elsewhere) is a
 * restart of the agent, which has then seen nothing.
 */
const { privateKey } = generateKeyPairSync('ed25519');
const KEY = publicKeyFrom(publicKeyText(privateKey));
const signer = ed25519Signer(privateKey);
const expectation = { cluster: 'test', node: 'n1', bootId: 'boot-0001', seq: 7 };
const answer = (fields: Partial<HeartbeatAnswer>): HeartbeatAnswer => ({
  v: 1,
  cluster: 'test',
  node: 'n1',
  receivedAt: 1,
  assignments: [],
  notes: [],
  version: 10,
  inReplyTo: { bootId: 'boot-0001', seq: 7 },
  ...fields,
});
const check = (a: HeartbeatAnswer, seen: number | undefined) => {
  const { text, signature } = signAnswer(a, signer);
  return checkAnswer(text, signature, expectation, KEY, seen);
};

describe('security: epochs in answers', () => {
  it("takes an epoch up to the answer's version and within the step of what was seen; refuses the rest, signed or not", () => {
    expect(check(answer({ assignments: [{ vip: 'v1', epoch: 10 }] }), 9)).toMatchObject({ ok: true });
    expect(
      check(answer({ version: 9 + MAX_EPOCH_STEP, assignments: [{ vip: 'v1', epoch: 9 + MAX_EPOCH_STEP }] }), 9),
    ).toMatchObject({ ok: true });
    expect(
      check(answer({ version: 10 + MAX_EPOCH_STEP, assignments: [{ vip: 'v1', epoch: 10 + MAX_EPOCH_STEP }] }), 9),
    ).toEqual({
      ok: false,
      why: 'epoch-jump',
      message: `v1 at epoch ${10 + MAX_EPOCH_STEP}, more than ${MAX_EPOCH_STEP} above version 9, the highest this agent has seen`,
    });
    expect(check(answer({ assignments: [{ vip: 'v1', epoch: 11 }] }), undefined)).toEqual({
      ok: false,
      why: 'epoch-jump',
      message: "v1 at epoch 11, above the answer's own version 10",
    });
    expect(
      check(
        answer({ version: Number.MAX_SAFE_INTEGER, assignments: [{ vip: 'v1', epoch: Number.MAX_SAFE_INTEGER }] }),
        undefined,
      ),
    ).toMatchObject({
      ok: false,
      why: 'epoch-jump',
      message: `version ${Number.MAX_SAFE_INTEGER} is above the cap ${MAX_EPOCH}`,
    });
    const { version: _, ...unversioned } = answer({ assignments: [{ vip: 'v1', epoch: 1 }] });
    expect(check(unversioned, undefined)).toMatchObject({
      ok: false,
      why: 'epoch-jump',
      message: 'assignments without the version they belong to',
    });
  });

  it('a version far ahead with nothing assigned is taken, and raises what later epochs are measured from', () => {
    expect(check(answer({ version: 5000 }), 9)).toMatchObject({ ok: true });
    expect(check(answer({ version: 5001, assignments: [{ vip: 'v1', epoch: 5001 }] }), 5000)).toMatchObject({
      ok: true,
    });
  });

  it('checks the signature before anything else, and binds the answer to the heartbeat it answers', () => {
    const { text, signature } = signAnswer(answer({}), signer);
    expect(checkAnswer(text, undefined, expectation, KEY, undefined)).toMatchObject({ ok: false, why: 'unsigned' });
    expect(checkAnswer(text, 'ed25519 ' + 'A'.repeat(86) + '==', expectation, KEY, undefined)).toMatchObject({
      ok: false,
      why: 'bad-signature',
    });
    expect(checkAnswer(text, signature.replace('ed25519', 'hmac-sha256'), expectation, KEY, undefined)).toMatchObject({
      ok: false,
      why: 'bad-signature',
    });
    expect(
      checkAnswer(text.replace('"version":10', '"version":11'), signature, expectation, KEY, undefined),
    ).toMatchObject({ ok: false, why: 'bad-signature' });
    expect(checkAnswer(text, signature, { ...expectation, seq: 8 }, KEY, undefined)).toEqual({
      ok: false,
      why: 'not-our-request',
      message: 'answer replies to boot boot-0001 seq 7, this exchange sent boot boot-0001 seq 8',
    });
    expect(checkAnswer(text, signature, { ...expectation, bootId: 'boot-0002' }, KEY, undefined)).toMatchObject({
      ok: false,
      why: 'not-our-request',
    });
    expect(checkAnswer(text, signature, { ...expectation, node: 'n2' }, KEY, undefined)).toMatchObject({
      ok: false,
      why: 'wrong-node',
    });
  });
});

describe('security: recovering from an epoch jump', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('a running agent refuses a real jump and says so; a restarted one (a new transport) takes it', async () => {
    let version = 3;
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const hb = JSON.parse((JSON.parse(body) as { payload: string }).payload) as { bootId: string; seq: number };
        const { text, signature } = signAnswer(
          answer({
            version,
            assignments: [{ vip: 'v1', epoch: version }],
            inReplyTo: { bootId: hb.bootId, seq: hb.seq },
          }),
          signer,
        );
        res.writeHead(200, { 'content-type': 'application/json', [ANSWER_SIGNATURE_HEADER]: signature });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/heartbeat`;
    const builder = () =>
      new HeartbeatBuilder({
        cluster: 'test',
        node: 'n1',
        configDigest: '0123456789abcdef',
        signer: hmacSigner('test-psk-0123456789abcdef'),
        now: Date.now,
        sources: { checks: () => ({}), held: () => [], applied: () => ({}), takeHookFailures: () => [] },
      });
    const running = new HttpTransport({ url, cluster: 'test', node: 'n1', answerKey: KEY });
    const b = builder();
    expect(await running.send(b.build().envelope, { timeoutMs: 2000 })).toMatchObject({
      kind: 'answer',
      answer: { assignments: [{ vip: 'v1', epoch: 3 }] },
    });
    // The store was replaced by one far ahead (restored from another cluster's backup, say).
    version = 3 + MAX_EPOCH_STEP + 1;
    expect(await running.send(b.build().envelope, { timeoutMs: 2000 })).toMatchObject({
      kind: 'failed',
      reason: 'forged-answer',
      answerRefusal: 'epoch-jump',
    });
    expect(await running.send(b.build().envelope, { timeoutMs: 2000 })).toMatchObject({
      kind: 'failed',
      reason: 'forged-answer',
      answerRefusal: 'epoch-jump',
    });
    await running.close();
    const restarted = new HttpTransport({ url, cluster: 'test', node: 'n1', answerKey: KEY });
    expect(await restarted.send(builder().build().envelope, { timeoutMs: 2000 })).toMatchObject({
      kind: 'answer',
      answer: { assignments: [{ vip: 'v1', epoch: version }] },
    });
    await restarted.close();
  });
});
