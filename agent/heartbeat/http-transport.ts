import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { ANSWER_SIGNATURE_HEADER, checkAnswer, type AnswerExpectation } from '../../core/heartbeat';
import { endedBy, type HeartbeatTransport, type SendOptions, type SendResult } from './transport';

export interface HttpTransportOptions {
  url: string;
  /** The answer must be for this cluster and node, or it is someone else's answer. */
  cluster: string;
  node: string;
  /**
   * The control plane's public key (control.answerKey): answers not signed with it are refused.
   * Without one (a loopback lab) answers are taken unsigned, and the status says so.
   */
  answerKey?: KeyObject;
  /** Monotonic milliseconds for round trips. */
  now?: () => number;
  /** Answers larger than this are cut off and refused. */
  maxAnswerBytes?: number;
  /** https only: CA certificates to trust instead of Node's bundle (or the pinned certificate itself). */
  ca?: string | Buffer;
}

/** Errors that mean "this kept-alive socket was closed under us". */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

type Exchange =
  | { kind: 'response'; status: number; text: string; signature: string | undefined }
  | { kind: 'error'; reason: 'timeout' | 'unreachable' | 'bad-answer' | 'aborted'; message: string; retry: boolean };

/**
 * POSTs envelopes with Node's own client over one kept-alive socket (a TCP and, for the AWS
 * function URL, a TLS handshake per heartbeat would cost more than the heartbeat itself). If the
 * server closed the idle socket just as we reused it, the request is retried once on a new one.
 * Each answer is checked before anyone sees it (core/heartbeat/answer.ts): signature, whom it is
 * for, which heartbeat it answers, and that its epochs stay within a step of what was seen.
 */
export class HttpTransport implements HeartbeatTransport {
  readonly target: string;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly now: () => number;
  private closed = false;
  /** The highest assignments version a checked answer carried: epochs may not run far past it. */
  private seenVersion: number | undefined;

  constructor(private readonly options: HttpTransportOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`heartbeat URL must be http(s): ${options.url}`);
    if (url.username || url.password)
      throw new Error('heartbeat URL must not carry credentials: heartbeats are signed instead');
    this.url = url;
    this.target = url.toString();
    // One socket, kept: heartbeats go one at a time, and a second socket would be a second handshake.
    const agentOptions = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1, scheduling: 'lifo' as const };
    this.agent =
      url.protocol === 'https:'
        ? new https.Agent({ ...agentOptions, ...(options.ca ? { ca: options.ca } : {}) })
        : new http.Agent(agentOptions);
    this.now = options.now ?? (() => performance.now());
  }

  /** True when answers must carry the control plane's signature (status shows it). */
  get answersSigned(): boolean {
    return this.options.answerKey !== undefined;
  }

  async send(envelope: string, options: SendOptions): Promise<SendResult> {
    if (this.closed) return { kind: 'failed', reason: 'aborted', message: 'transport closed' };
    const expect = this.expectation(envelope);
    const started = this.now();
    const { timeoutMs, until } = options;
    let result = await this.exchange(envelope, timeoutMs, until);
    if (result.kind === 'error' && result.retry) {
      const left = timeoutMs === undefined ? undefined : timeoutMs - (this.now() - started);
      if (left !== undefined && left <= 0)
        return { kind: 'failed', reason: 'timeout', message: `no answer within ${timeoutMs}ms` };
      result = await this.exchange(envelope, left, until);
    }
    if (result.kind === 'error') return { kind: 'failed', reason: result.reason, message: result.message };
    return this.classify(result, expect, Math.round((this.now() - started) * 100) / 100);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.agent.destroy();
  }

  /** The heartbeat this exchange carries: its answer must name exactly it (cluster, node, boot, seq). */
  private expectation(envelope: string): AnswerExpectation {
    let hb: { bootId?: unknown; seq?: unknown } = {};
    try {
      hb = JSON.parse((JSON.parse(envelope) as { payload: string }).payload) as typeof hb;
    } catch {
      // Not a sealed heartbeat (the builder always makes one): no answer can match it.
    }
    return {
      cluster: this.options.cluster,
      node: this.options.node,
      bootId: typeof hb.bootId === 'string' ? hb.bootId : '',
      seq: typeof hb.seq === 'number' ? hb.seq : -1,
    };
  }

  private exchange(body: string, timeoutMs: number | undefined, until: Promise<Error> | undefined): Promise<Exchange> {
    const max = this.options.maxAnswerBytes ?? 1_048_576;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: Exchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const client = this.url.protocol === 'https:' ? https : http;
      const req = client.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'ipferry-agent',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > max) {
              finish({
                kind: 'error',
                reason: 'bad-answer',
                message: `${this.target}: answer over ${max} bytes`,
                retry: false,
              });
              req.destroy();
            } else chunks.push(c);
          });
          res.on('end', () => {
            const sig = res.headers[ANSWER_SIGNATURE_HEADER];
            finish({
              kind: 'response',
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              signature: typeof sig === 'string' ? sig : undefined,
            });
          });
          res.on('error', (err) =>
            finish({ kind: 'error', reason: 'unreachable', message: `${this.target}: ${err.message}`, retry: false }),
          );
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        const retry = req.reusedSocket && err.code !== undefined && STALE_SOCKET.has(err.code);
        finish({
          kind: 'error',
          reason: err.code?.startsWith('HPE_') ? 'bad-answer' : 'unreachable',
          message: `${this.target}: ${err.code ?? err.message}`,
          retry,
        });
      });
      // Only when asked: a timer cleared by the answer still wakes the process when it was due.
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () =>
                end({
                  kind: 'error',
                  reason: 'timeout',
                  message: `no answer within ${timeoutMs}ms from ${this.target}`,
                  retry: false,
                }),
              timeoutMs,
            );
      const end = (r: Exchange): void => {
        finish(r);
        req.destroy();
      };
      void until?.then((why) => end({ kind: 'error', ...endedBy(why), retry: false }));
      req.end(body);
    });
  }

  private classify(r: Extract<Exchange, { kind: 'response' }>, expect: AnswerExpectation, rttMs: number): SendResult {
    const { status, text } = r;
    if (status === 200) {
      const verdict = checkAnswer(text, r.signature, expect, this.options.answerKey, this.seenVersion);
      if (!verdict.ok)
        return {
          kind: 'failed',
          reason: 'forged-answer',
          status,
          answerRefusal: verdict.why,
          message: `answer refused (${verdict.why}): ${verdict.message}`,
        };
      const v = verdict.answer.version;
      if (v !== undefined) this.seenVersion = Math.max(v, this.seenVersion ?? 0);
      return { kind: 'answer', answer: verdict.answer, rttMs };
    }
    if (status >= 400 && status < 500) {
      const error = (parseJson(text) as { error?: { reason?: unknown; message?: unknown } } | undefined)?.error;
      // Unauthenticated text: a reason becomes a metrics label, so only a short plain word is kept.
      const reason =
        typeof error?.reason === 'string' && /^[a-z-]{1,32}$/.test(error.reason) ? error.reason : `http-${status}`;
      const message = typeof error?.message === 'string' ? error.message.slice(0, 300) : text.slice(0, 200);
      return { kind: 'refused', status, reason, message, rttMs };
    }
    return {
      kind: 'failed',
      reason: 'server-error',
      status,
      message: `HTTP ${status}: ${text.slice(0, 200) || '(no body)'}`,
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
