import type { AnswerRefusal, HeartbeatAnswer } from '../../core/heartbeat';

/**
 * How one heartbeat went. `answer`: the control plane took it and said what this node owns.
 * `sent`: delivered where no answer comes back (peer mode's UDP; there each agent runs decide()
 * on what it hears and hands the result to the reconciler itself). `refused`: the receiver said
 * why (protocol.md's refusal reasons); it changed no state. `failed`: nothing usable came back.
 */
export type SendResult =
  | { kind: 'answer'; answer: HeartbeatAnswer; rttMs: number }
  | { kind: 'sent'; rttMs: number }
  | { kind: 'refused'; status: number; reason: string; message: string; rttMs: number }
  | { kind: 'failed'; reason: FailedReason; message: string; status?: number; answerRefusal?: AnswerRefusal };

/** `forged-answer`: a 200 whose answer failed its checks (answerRefusal says which); nothing in it was used. */
export type FailedReason = 'timeout' | 'unreachable' | 'server-error' | 'bad-answer' | 'aborted' | 'forged-answer';

export interface SendOptions {
  /** The whole exchange (connect, send, answer) must fit in this: a timer of its own. */
  timeoutMs?: number;
  /**
   * Or it ends when this resolves, with the reason: one named 'TimeoutError' is a timeout (the
   * heartbeat client's next instant has come), anything else ends it as `aborted` (the agent is
   * stopping). A promise, not an AbortSignal: Node's EventTarget work per heartbeat (a controller,
   * a listener added and removed, an event dispatched) cost a tenth of the agent's CPU.
   */
  until?: Promise<Error>;
}

/** The outcome of an exchange that `until` ended. */
export function endedBy(why: Error): { reason: 'timeout' | 'aborted'; message: string } {
  return { reason: why.name === 'TimeoutError' ? 'timeout' : 'aborted', message: why.message };
}

/**
 * Carries a sealed heartbeat envelope (protocol.md) to whoever decides. HTTP to the local or AWS
 * control plane today; peer mode plugs in a UDP transport that sends the same envelope to every
 * peer and resolves `sent`. Implementations never throw: every outcome is a SendResult.
 */
export interface HeartbeatTransport {
  /** Where heartbeats go, for logs and status ("http://127.0.0.1:7400/v1/heartbeat"). */
  readonly target: string;
  /** True when answers must carry the control plane's signature; absent for transports with no answers. */
  readonly answersSigned?: boolean;
  send(envelope: string, options: SendOptions): Promise<SendResult>;
  /** Releases sockets; sends after this fail. */
  close(): Promise<void>;
}
