import type { KeyObject } from 'node:crypto';
import { verifyEd25519, type Signer } from './keys';
import { HeartbeatAnswerSchema, type HeartbeatAnswer } from './message';

/**
 * The control plane signs each answer's exact body bytes with its own Ed25519 key and sends the
 * signature in this header (`ed25519 <base64>`), so the body keeps its shape and no canonical form
 * is needed. Agents verify with the public key in their config (`control.answerKey`), never with a
 * key that came over the channel being authenticated.
 */
export const ANSWER_SIGNATURE_HEADER = 'ipferry-signature';

/**
 * How far above the highest assignments version an agent has seen an epoch may be. Each commit
 * raises the version by one and a VIP's epoch by at most one, so an epoch is never above the
 * version that carries it; between two answers to one agent the group commits a handful of times.
 * A thousand is far above that and far below an epoch that could lock an agent out.
 */
export const MAX_EPOCH_STEP = 1000;

/** No epoch or version above this is taken at all (as in peer mode): 2^48. */
export const MAX_EPOCH = 2 ** 48;

export function signAnswer(answer: HeartbeatAnswer, signer: Signer): { text: string; signature: string } {
  const text = JSON.stringify(answer);
  return { text, signature: `${signer.alg} ${signer.sign(Buffer.from(text, 'utf8'))}` };
}

export const ANSWER_REFUSALS = [
  'unsigned',
  'bad-signature',
  'malformed',
  'wrong-node',
  'not-our-request',
  'epoch-jump',
] as const;
export type AnswerRefusal = (typeof ANSWER_REFUSALS)[number];

export interface AnswerExpectation {
  cluster: string;
  node: string;
  /** The heartbeat this exchange sent: the answer must say it replies to exactly that one. */
  bootId: string;
  seq: number;
}

export type AnswerVerdict = { ok: true; answer: HeartbeatAnswer } | { ok: false; why: AnswerRefusal; message: string };

/**
 * Everything an agent checks before it believes an answer, in order: the signature over the
 * exact bytes (when the config names the control plane's key), the schema, whom it is for, which
 * heartbeat it answers, and that no epoch runs away: none above the answer's own version or the
 * cap, and, once this agent has seen a version, none more than MAX_EPOCH_STEP above it. Pure.
 */
export function checkAnswer(
  text: string,
  signature: string | undefined,
  expect: AnswerExpectation,
  key: KeyObject | undefined,
  seenVersion: number | undefined,
): AnswerVerdict {
  const refuse = (why: AnswerRefusal, message: string): AnswerVerdict => ({ ok: false, why, message });
  if (key) {
    if (!signature)
      return refuse('unsigned', `no ${ANSWER_SIGNATURE_HEADER} header, and control.answerKey says answers are signed`);
    const m = /^ed25519 ([A-Za-z0-9+/=]{1,200})$/.exec(signature);
    if (!m || !verifyEd25519(key, Buffer.from(text, 'utf8'), m[1]!))
      return refuse('bad-signature', 'the signature does not verify with control.answerKey');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return refuse('malformed', 'the answer is not JSON');
  }
  const parsed = HeartbeatAnswerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse(
      'malformed',
      `answer is not a heartbeat answer: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  const a = parsed.data;
  if (a.cluster !== expect.cluster || a.node !== expect.node)
    return refuse('wrong-node', `answer is for ${a.cluster}/${a.node}, not ${expect.cluster}/${expect.node}`);
  const to = a.inReplyTo;
  if (!to || to.bootId !== expect.bootId || to.seq !== expect.seq) {
    return refuse(
      'not-our-request',
      `answer replies to ${to ? `boot ${to.bootId} seq ${to.seq}` : 'no heartbeat'}, this exchange sent boot ${expect.bootId} seq ${expect.seq}`,
    );
  }
  const runaway = runawayEpoch(a, seenVersion);
  if (runaway) return refuse('epoch-jump', runaway);
  return { ok: true, answer: a };
}

function runawayEpoch(a: HeartbeatAnswer, seenVersion: number | undefined): string | undefined {
  const version = a.version;
  if (version === undefined)
    return a.assignments.length > 0 ? 'assignments without the version they belong to' : undefined;
  if (version > MAX_EPOCH) return `version ${version} is above the cap ${MAX_EPOCH}`;
  for (const { vip, epoch } of a.assignments) {
    if (epoch > version) return `${vip} at epoch ${epoch}, above the answer's own version ${version}`;
    if (seenVersion !== undefined && epoch > seenVersion + MAX_EPOCH_STEP)
      return `${vip} at epoch ${epoch}, more than ${MAX_EPOCH_STEP} above version ${seenVersion}, the highest this agent has seen`;
  }
  return undefined;
}
