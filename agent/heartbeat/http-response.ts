/**
 * An incremental HTTP/1.1 response reader (RFC 9112) for the heartbeat's one kept-alive
 * connection. It is pure: bytes in, a response or a reason out, so every framing case (chunks split
 * anywhere, chunked bodies, 1xx interim answers, a body that ends with the connection) is tested
 * without a socket.
 */

export interface HttpResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", " (Set-Cookie is never needed here). */
  headers: Record<string, string>;
  body: Buffer;
  /** False when the server said it will close (Connection: close, or HTTP/1.0 without keep-alive). */
  keepAlive: boolean;
}

export type ReadResult = { kind: 'more' } | { kind: 'done'; response: HttpResponse } | { kind: 'invalid'; reason: string };

export interface ResponseLimits {
  /** Status line and headers together. */
  maxHeadBytes: number;
  /** The body after de-chunking. */
  maxBodyBytes: number;
}

const DEFAULT_LIMITS: ResponseLimits = { maxHeadBytes: 16_384, maxBodyBytes: 1_048_576 };
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/;

type Framing = { by: 'length'; left: number } | { by: 'chunks' } | { by: 'close' };

/**
 * Reads one response: `push` each chunk the socket gives, `end` when the socket ends. `done` comes
 * exactly once; bytes after the response are a protocol error (the heartbeat never pipelines).
 */
export class ResponseReader {
  private readonly limits: ResponseLimits;
  private buffered: Buffer = Buffer.alloc(0);
  private head: { status: number; headers: Record<string, string>; keepAlive: boolean } | undefined;
  private framing: Framing | undefined;
  private body: Buffer[] = [];
  private bodyBytes = 0;
  /** Inside a chunked body: bytes of the current chunk still to come, or the line expected next. */
  private chunk: { left: number } | { expect: 'size' | 'crlf' | 'trailer' } = { expect: 'size' };
  private result: ReadResult = { kind: 'more' };

  constructor(limits: Partial<ResponseLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  push(data: Buffer): ReadResult {
    if (this.result.kind !== 'more') return data.length === 0 || this.result.kind === 'invalid' ? this.result : this.fail('bytes after the end of the response');
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    this.result = this.read();
    return this.result;
  }

  /** The connection ended: that completes a body framed by the close, and breaks anything else. */
  end(): ReadResult {
    if (this.result.kind !== 'more') return this.result;
    if (this.head && this.framing?.by === 'close') return (this.result = this.finish());
    this.result = { kind: 'invalid', reason: this.head ? 'connection closed in the middle of the body' : this.buffered.length > 0 ? 'connection closed in the middle of the headers' : 'connection closed before any answer' };
    return this.result;
  }

  /** True once any byte of a response has arrived (a dropped kept-alive socket sends none). */
  get started(): boolean {
    return this.head !== undefined || this.buffered.length > 0;
  }

  private read(): ReadResult {
    for (;;) {
      if (!this.head) {
        const end = this.buffered.indexOf('\r\n\r\n');
        if (end < 0) return this.buffered.length > this.limits.maxHeadBytes ? this.fail(`headers longer than ${this.limits.maxHeadBytes} bytes`) : { kind: 'more' };
        if (end + 4 > this.limits.maxHeadBytes) return this.fail(`headers longer than ${this.limits.maxHeadBytes} bytes`);
        const parsed = parseHead(this.buffered.subarray(0, end).toString('latin1'));
        if ('reason' in parsed) return this.fail(parsed.reason);
        this.buffered = this.buffered.subarray(end + 4);
        // 1xx answers are interim (100 Continue, 103 Early Hints): the real one follows.
        if (parsed.status < 200) {
          if (parsed.status === 101) return this.fail('the server switched protocols');
          continue;
        }
        const framing = framingOf(parsed.status, parsed.headers);
        if ('reason' in framing) return this.fail(framing.reason);
        if (framing.by === 'length' && framing.left > this.limits.maxBodyBytes) return this.fail(`answer larger than ${this.limits.maxBodyBytes} bytes`);
        this.head = parsed;
        this.framing = framing;
      }
      return this.readBody();
    }
  }

  private readBody(): ReadResult {
    const framing = this.framing!;
    if (framing.by === 'length') {
      const take = Math.min(framing.left, this.buffered.length);
      this.keep(this.buffered.subarray(0, take));
      framing.left -= take;
      this.buffered = this.buffered.subarray(take);
      if (framing.left > 0) return { kind: 'more' };
      return this.buffered.length > 0 ? this.fail('bytes after the end of the response') : this.finish();
    }
    if (framing.by === 'close') {
      this.keep(this.buffered);
      this.buffered = Buffer.alloc(0);
      return this.bodyBytes > this.limits.maxBodyBytes ? this.fail(`answer larger than ${this.limits.maxBodyBytes} bytes`) : { kind: 'more' };
    }
    return this.readChunks();
  }

  private readChunks(): ReadResult {
    for (;;) {
      if ('left' in this.chunk) {
        const take = Math.min(this.chunk.left, this.buffered.length);
        this.keep(this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.chunk.left -= take;
        if (this.chunk.left > 0) return { kind: 'more' };
        this.chunk = { expect: 'crlf' };
        continue;
      }
      const eol = this.buffered.indexOf('\r\n');
      if (eol < 0) return this.buffered.length > this.limits.maxHeadBytes ? this.fail('chunk framing line too long') : { kind: 'more' };
      const line = this.buffered.subarray(0, eol).toString('latin1');
      this.buffered = this.buffered.subarray(eol + 2);
      if (this.chunk.expect === 'crlf') {
        if (line !== '') return this.fail('chunk data longer than its size');
        this.chunk = { expect: 'size' };
      } else if (this.chunk.expect === 'size') {
        const m = CHUNK_SIZE.exec(line);
        if (!m) return this.fail(`bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
        const size = parseInt(m[1]!, 16);
        if (this.bodyBytes + size > this.limits.maxBodyBytes) return this.fail(`answer larger than ${this.limits.maxBodyBytes} bytes`);
        this.chunk = size === 0 ? { expect: 'trailer' } : { left: size };
      } else if (line === '') {
        return this.buffered.length > 0 ? this.fail('bytes after the end of the response') : this.finish();
      }
      // Any other line in the trailer section is a trailer field: nothing here needs one.
    }
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.body.push(bytes);
    this.bodyBytes += bytes.length;
  }

  private finish(): ReadResult {
    const head = this.head!;
    return { kind: 'done', response: { status: head.status, headers: head.headers, body: this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body), keepAlive: head.keepAlive && this.framing?.by !== 'close' } };
  }

  private fail(reason: string): ReadResult {
    this.result = { kind: 'invalid', reason };
    return this.result;
  }
}

function parseHead(text: string): { status: number; headers: Record<string, string>; keepAlive: boolean } | { reason: string } {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0]!);
  if (!status) return { reason: `not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 60))}` };
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const m = HEADER_LINE.exec(line);
    if (!m) return { reason: `bad header line ${JSON.stringify(line.slice(0, 60))}` };
    const name = m[1]!.toLowerCase();
    headers[name] = headers[name] === undefined ? m[2]! : `${headers[name]}, ${m[2]!}`;
  }
  const connection = (headers['connection'] ?? '').toLowerCase().split(/\s*,\s*/);
  const keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { status: Number(status[2]), headers, keepAlive };
}

/** How the body's end is known (RFC 9112 §6.3), in its order of precedence. */
function framingOf(status: number, headers: Record<string, string>): Framing | { reason: string } {
  if (status === 204 || status === 304) return { by: 'length', left: 0 };
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    const codings = te.toLowerCase().split(/\s*,\s*/);
    if (codings[codings.length - 1] !== 'chunked') return { by: 'close' };
    if (codings.length > 1) return { reason: `unsupported transfer coding ${JSON.stringify(te)}` };
    return { by: 'chunks' };
  }
  const cl = headers['content-length'];
  if (cl !== undefined) {
    const values = new Set(cl.split(/\s*,\s*/));
    const only = [...values][0]!;
    if (values.size !== 1 || !/^\d{1,15}$/.test(only)) return { reason: `bad Content-Length ${JSON.stringify(cl)}` };
    return { by: 'length', left: Number(only) };
  }
  return { by: 'close' };
}
