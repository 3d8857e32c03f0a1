import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { ResponseReader, type HttpResponse, type ResponseLimits } from './http-response';
import { endedBy } from './transport';

export interface ConnectionTarget {
  secure: boolean;
  host: string;
  port: number;
  /** TLS only: CA certificates to trust instead of Node's bundle (a private control plane). */
  ca?: string | Buffer;
}

export type ExchangeResult =
  | { kind: 'response'; response: HttpResponse }
  | {
      kind: 'error';
      reason: 'timeout' | 'unreachable' | 'bad-answer' | 'aborted';
      message: string;
      /** The kept-alive socket was dead before any answer came: worth one more try on a new one. */
      retry: boolean;
    };

/** Errors that mean "this kept-alive socket was closed under us". */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface Exchange {
  socket: Socket;
  reused: boolean;
  reader: ResponseReader;
  finish(result: ExchangeResult, keepSocket: boolean): void;
}

/**
 * One HTTP/1.1 connection, kept alive between exchanges, one exchange at a time. This replaces
 * node:http for the heartbeat because a request there runs the general machinery (agent pool,
 * header validation, two streams, a parser from a pool) and cost about twice the CPU of the rest
 * of a heartbeat (bench/agent.ts); here a request is one prepared write and one small read.
 * A socket the server closed while idle is dropped and the next exchange connects anew.
 */
export class KeptAliveConnection {
  private socket: Socket | undefined;
  private current: Exchange | undefined;
  private closed = false;
  private readonly readBuffer = Buffer.allocUnsafe(16_384);

  constructor(
    private readonly target: ConnectionTarget,
    private readonly describe: string,
  ) {}

  /** Ends by the answer, by `timeoutMs` if given, or when `until` resolves (see SendOptions). */
  exchange(request: string, options: { timeoutMs?: number; until?: Promise<Error>; limits?: Partial<ResponseLimits> }): Promise<ExchangeResult> {
    const { timeoutMs, until } = options;
    if (this.closed) return Promise.resolve({ kind: 'error', reason: 'aborted', message: 'connection closed', retry: false });
    if (this.current) return Promise.resolve({ kind: 'error', reason: 'aborted', message: 'an exchange is already under way', retry: false });
    return new Promise((resolve) => {
      const reused = this.socket !== undefined;
      const socket = this.socket ?? this.connect();
      // Only when asked: a timer cleared by the answer still wakes the process when it was due.
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => exchange.finish({ kind: 'error', reason: 'timeout', message: `no answer within ${timeoutMs}ms from ${this.describe}`, retry: false }, false), timeoutMs);
      const exchange: Exchange = {
        socket,
        reused,
        reader: new ResponseReader(options.limits),
        finish: (result, keepSocket) => {
          if (this.current !== exchange) return;
          this.current = undefined;
          clearTimeout(timer);
          // An unfinished exchange leaves the socket mid-response: it can never be reused.
          if (!keepSocket) this.drop(socket);
          resolve(result);
        },
      };
      this.current = exchange;
      // Settling after the answer is harmless: finish() ignores an exchange that is over.
      void until?.then((why) => exchange.finish({ kind: 'error', ...endedBy(why), retry: false }, false));
      socket.write(request);
    });
  }

  close(): void {
    this.closed = true;
    this.current?.finish({ kind: 'error', reason: 'aborted', message: 'connection closed', retry: false }, false);
    if (this.socket) this.drop(this.socket);
  }

  private connect(): Socket {
    const { host, port, secure, ca } = this.target;
    // Reads go straight into one buffer and to onData, past the stream machinery ('data' events,
    // a new Buffer per read); the reader copies what it keeps.
    const onread: net.OnReadOpts = {
      buffer: this.readBuffer,
      callback: (n, buf) => {
        this.onData(socket, Buffer.from(buf.subarray(0, n)));
        return true;
      },
    };
    // tls.connect takes onread as net.connect does (Node's docs); @types/node leaves it out.
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], onread, ...(ca ? { ca } : {}) } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    socket.on('end', () => this.onEnd(socket));
    socket.on('close', () => this.onEnd(socket));
    socket.on('error', (err: NodeJS.ErrnoException) => this.onError(socket, err));
    this.socket = socket;
    return socket;
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    socket.destroy();
  }

  private onData(socket: Socket, data: Buffer): void {
    const exchange = this.current;
    // Bytes nobody asked for: the connection's framing is lost.
    if (exchange?.socket !== socket) return this.drop(socket);
    const read = exchange.reader.push(data);
    if (read.kind === 'done') exchange.finish({ kind: 'response', response: read.response }, read.response.keepAlive);
    else if (read.kind === 'invalid') exchange.finish({ kind: 'error', reason: 'bad-answer', message: `${this.describe}: ${read.reason}`, retry: false }, false);
  }

  private onEnd(socket: Socket): void {
    const exchange = this.current;
    if (exchange?.socket !== socket) return this.drop(socket);
    const read = exchange.reader.end();
    if (read.kind === 'done') return exchange.finish({ kind: 'response', response: read.response }, false);
    const reason = read.kind === 'invalid' ? read.reason : 'connection closed';
    exchange.finish({ kind: 'error', reason: 'unreachable', message: `${this.describe}: ${reason}`, retry: exchange.reused && !exchange.reader.started }, false);
  }

  private onError(socket: Socket, err: NodeJS.ErrnoException): void {
    const exchange = this.current;
    if (exchange?.socket !== socket) return this.drop(socket);
    const retry = exchange.reused && !exchange.reader.started && err.code !== undefined && STALE_SOCKET.has(err.code);
    exchange.finish({ kind: 'error', reason: 'unreachable', message: `${this.describe}: ${err.code ?? err.message}`, retry }, false);
  }
}
