import { HeartbeatAnswerSchema, type HeartbeatAnswer } from '../../core/heartbeat';
import { KeptAliveConnection, type ExchangeResult } from './kept-alive-connection';
import type { HeartbeatTransport, SendOptions, SendResult } from './transport';

export interface HttpTransportOptions {
  url: string;
  /** The answer must be for this cluster and node, or it is someone else's answer. */
  cluster: string;
  node: string;
  /** Monotonic milliseconds for round trips. */
  now?: () => number;
  /** Answers larger than this are cut off and refused. */
  maxAnswerBytes?: number;
  /** https only: CA certificates to trust instead of Node's bundle. */
  ca?: string | Buffer;
}

/**
 * POSTs envelopes over one kept-alive connection (a TCP and, for the AWS function URL, a TLS
 * handshake per second would cost more than the heartbeat itself). If the server closed the idle
 * socket just as we reused it, the request is retried once on a new connection.
 */
export class HttpTransport implements HeartbeatTransport {
  readonly target: string;
  private readonly connection: KeptAliveConnection;
  /** Everything before the length: built once, so a heartbeat is one string and one write. */
  private readonly requestHead: string;
  private readonly now: () => number;
  private closed = false;
  private readonly answers = new AnswerParser();

  constructor(private readonly options: HttpTransportOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`heartbeat URL must be http(s): ${options.url}`);
    if (url.username || url.password) throw new Error('heartbeat URL must not carry credentials: heartbeats are signed instead');
    this.target = url.toString();
    const secure = url.protocol === 'https:';
    this.connection = new KeptAliveConnection(
      { secure, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || (secure ? 443 : 80)), ...(options.ca ? { ca: options.ca } : {}) },
      this.target,
    );
    this.requestHead =
      `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: ipferry-agent\r\n` +
      'Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: ';
    this.now = options.now ?? (() => performance.now());
  }

  async send(envelope: string, options: SendOptions): Promise<SendResult> {
    if (this.closed) return { kind: 'failed', reason: 'aborted', message: 'transport closed' };
    const request = `${this.requestHead}${Buffer.byteLength(envelope)}\r\n\r\n${envelope}`;
    const limits = { maxBodyBytes: this.options.maxAnswerBytes ?? 1_048_576 };
    const started = this.now();
    const { timeoutMs, until } = options;
    let result = await this.connection.exchange(request, { timeoutMs, until, limits });
    if (result.kind === 'error' && result.retry) {
      const left = timeoutMs === undefined ? undefined : timeoutMs - (this.now() - started);
      if (left !== undefined && left <= 0) return { kind: 'failed', reason: 'timeout', message: `no answer within ${timeoutMs}ms` };
      result = await this.connection.exchange(request, { timeoutMs: left, until, limits });
    }
    return this.outcome(result, started);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection.close();
  }

  private outcome(result: ExchangeResult, started: number): SendResult {
    if (result.kind === 'error') return { kind: 'failed', reason: result.reason, message: result.message };
    const rttMs = Math.round((this.now() - started) * 100) / 100;
    return this.classify(result.response.status, result.response.body.toString('utf8'), rttMs);
  }

  private classify(status: number, text: string, rttMs: number): SendResult {
    if (status === 200) {
      const parsed = this.answers.parse(parseJson(text));
      if (!parsed.ok) return { kind: 'failed', reason: 'bad-answer', status, message: `answer is not a heartbeat answer: ${parsed.problem}` };
      const a = parsed.answer;
      if (a.cluster !== this.options.cluster || a.node !== this.options.node) {
        return { kind: 'failed', reason: 'bad-answer', status, message: `answer is for ${a.cluster}/${a.node}, not ${this.options.cluster}/${this.options.node}` };
      }
      return { kind: 'answer', answer: a, rttMs };
    }
    if (status >= 400 && status < 500) {
      const error = (parseJson(text) as { error?: { reason?: unknown; message?: unknown } } | undefined)?.error;
      const reason = typeof error?.reason === 'string' ? error.reason : `http-${status}`;
      const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200);
      return { kind: 'refused', status, reason, message, rttMs };
    }
    return { kind: 'failed', reason: 'server-error', status, message: `HTTP ${status}: ${text.slice(0, 200) || '(no body)'}` };
  }
}

/**
 * The answer through HeartbeatAnswerSchema, unless it is the last valid answer again with another
 * receivedAt (the steady state: same node, same assignments, every interval). Then the schema would
 * say the same as last time, so its verdict is reused: the same input gives the same output, and
 * receivedAt, the one part that differs, is checked as the schema checks it (an integer).
 */
class AnswerParser {
  private last: { answer: HeartbeatAnswer; rest: string } | undefined;

  parse(raw: unknown): { ok: true; answer: HeartbeatAnswer } | { ok: false; problem: string } {
    if (this.last && typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const { receivedAt, ...rest } = raw as Record<string, unknown>;
      if (Number.isSafeInteger(receivedAt) && JSON.stringify(rest) === this.last.rest) return { ok: true, answer: { ...this.last.answer, receivedAt: receivedAt as number } };
    }
    const parsed = HeartbeatAnswerSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, problem: issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid' };
    }
    const { receivedAt: _, ...rest } = raw as Record<string, unknown>;
    this.last = { answer: parsed.data, rest: JSON.stringify(rest) };
    return { ok: true, answer: parsed.data };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
