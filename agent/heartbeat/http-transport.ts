import http from 'node:http';
import https from 'node:https';
import { HeartbeatAnswerSchema } from '../../core/heartbeat';
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
}

/** Errors that mean "this kept-alive socket was closed under us": worth one retry on a fresh one. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * POSTs envelopes over one kept-alive connection (a TCP and, for the AWS function URL, a TLS
 * handshake per second would cost more than the heartbeat itself). If the server closed the idle
 * socket just as we reused it, the request is retried once on a new connection.
 */
export class HttpTransport implements HeartbeatTransport {
  readonly target: string;
  private readonly url: URL;
  private readonly agent: http.Agent;
  /** Built once: URL parsing and header validation per request cost more than the heartbeat itself. */
  private readonly requestOptions: http.RequestOptions;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: HttpTransportOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new Error(`heartbeat URL must be http(s): ${options.url}`);
    this.target = this.url.toString();
    const agentOptions = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 1, maxFreeSockets: 1 };
    this.agent = this.url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.requestOptions = {
      method: 'POST',
      agent: this.agent,
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
      path: `${this.url.pathname}${this.url.search}`,
    };
    this.now = options.now ?? (() => performance.now());
  }

  async send(envelope: string, options: SendOptions): Promise<SendResult> {
    if (this.closed) return { kind: 'failed', reason: 'aborted', message: 'transport closed' };
    const started = this.now();
    const first = await this.post(envelope, options.timeoutMs, options.signal);
    if (first.kind !== 'retry') return first.result;
    const left = options.timeoutMs - (this.now() - started);
    if (left <= 0) return { kind: 'failed', reason: 'timeout', message: `no answer within ${options.timeoutMs}ms` };
    return (await this.post(envelope, left, options.signal)).result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.agent.destroy();
  }

  private post(body: string, timeoutMs: number, signal?: AbortSignal): Promise<{ kind: 'done' | 'retry'; result: SendResult }> {
    const started = this.now();
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (kind: 'done' | 'retry', result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ kind, result });
      };
      const req = mod.request({
        ...this.requestOptions,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish('done', { kind: 'failed', reason: 'timeout', message: `no answer within ${timeoutMs}ms from ${this.target}` });
      }, timeoutMs);
      const onAbort = () => {
        req.destroy();
        finish('done', { kind: 'failed', reason: 'aborted', message: 'aborted' });
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const retry = req.reusedSocket && err.code !== undefined && STALE_SOCKET.has(err.code);
        finish(retry ? 'retry' : 'done', { kind: 'failed', reason: 'unreachable', message: `${this.target}: ${err.code ?? err.message}` });
      });
      req.on('response', (res) => {
        const limit = this.options.maxAnswerBytes ?? 1_048_576;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= limit) chunks.push(chunk);
        });
        res.on('error', (err) => finish('done', { kind: 'failed', reason: 'unreachable', message: `answer broke off: ${err.message}` }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const rttMs = Math.round((this.now() - started) * 100) / 100;
          if (size > limit) return finish('done', { kind: 'failed', reason: 'bad-answer', message: `answer larger than ${limit} bytes` });
          finish('done', this.classify(res.statusCode ?? 0, text, rttMs));
        });
      });
      req.end(body);
    });
  }

  private classify(status: number, text: string, rttMs: number): SendResult {
    if (status === 200) {
      const parsed = HeartbeatAnswerSchema.safeParse(parseJson(text));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return { kind: 'failed', reason: 'bad-answer', status, message: `answer is not a heartbeat answer: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
      }
      const a = parsed.data;
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
