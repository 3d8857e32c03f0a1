export {
  heartbeatVerifier,
  REFUSAL_REASONS,
  sealHeartbeat,
  type HeartbeatVerifier,
  type RefusalReason,
  type ReplayGuard,
  type Verdict,
} from './envelope';
export { ed25519Signer, generateNodeKey, hmacSigner, privateKeyFrom, publicKeyFrom, type Signer } from './keys';
export {
  HEARTBEAT_VERSION,
  HeartbeatAnswerSchema,
  HeartbeatSchema,
  type Heartbeat,
  type HeartbeatAnswer,
  type HeartbeatInput,
} from './message';
export {
  ANSWER_REFUSALS,
  ANSWER_SIGNATURE_HEADER,
  checkAnswer,
  MAX_EPOCH,
  MAX_EPOCH_STEP,
  signAnswer,
  type AnswerExpectation,
  type AnswerRefusal,
  type AnswerVerdict,
} from './answer';
