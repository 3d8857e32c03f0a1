import { describe, expect, it } from 'vitest';
import { ResponseReader, type ReadResult, type ResponseLimits } from '../../../agent/heartbeat/http-response';

const answer = '{"v":1,"assignments":[]}';

/** Feeds `text` in the given pieces, then (if asked) the connection's end. */
function read(pieces: string[], options: { end?: boolean; limits?: Partial<ResponseLimits> } = {}): ReadResult {
  const reader = new ResponseReader(options.limits);
  let result: ReadResult = { kind: 'more' };
  for (const p of pieces) result = reader.push(Buffer.from(p, 'latin1'));
  if (options.end) result = reader.end();
  return result;
}

/** Every way of cutting `text` in two, and byte by byte: framing must not depend on how TCP splits it. */
function everySplit(text: string): string[][] {
  const splits = [[text], [...text]];
  for (let i = 1; i < text.length; i++) splits.push([text.slice(0, i), text.slice(i)]);
  return splits;
}

function body(result: ReadResult): string | undefined {
  return result.kind === 'done' ? result.response.body.toString('utf8') : undefined;
}

describe('ResponseReader: framing', () => {
  const cases: Array<{ name: string; wire: string; end?: boolean; status: number; body: string; keepAlive: boolean; headers?: Record<string, string> }> = [
    {
      name: 'Content-Length',
      wire: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`,
      status: 200,
      body: answer,
      keepAlive: true,
      headers: { 'content-type': 'application/json', 'content-length': String(answer.length) },
    },
    {
      name: 'chunked, with a chunk extension and a trailer',
      wire: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"v":\r\n${(answer.length - 5).toString(16)}\r\n${answer.slice(5)}\r\n0\r\nX-Trailer: yes\r\n\r\n`,
      status: 200,
      body: answer,
      keepAlive: true,
    },
    {
      name: 'interim 100 Continue and 103 Early Hints before the answer',
      wire: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}`,
      status: 409,
      body: '{}',
      keepAlive: true,
    },
    { name: '204 has no body whatever its headers say', wire: 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n', status: 204, body: '', keepAlive: true },
    { name: 'Connection: close', wire: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}', status: 200, body: '{}', keepAlive: false },
    { name: 'HTTP/1.0 closes by default', wire: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}', status: 200, body: '{}', keepAlive: false },
    { name: 'HTTP/1.0 with keep-alive', wire: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}', status: 200, body: '{}', keepAlive: true },
    { name: 'no length: the body ends with the connection', wire: `HTTP/1.1 502 Bad Gateway\r\n\r\n${answer}`, end: true, status: 502, body: answer, keepAlive: false },
    { name: 'a final coding other than chunked: read to the close', wire: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n{}', end: true, status: 200, body: '{}', keepAlive: false },
    { name: 'repeated equal Content-Length values', wire: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}', status: 200, body: '{}', keepAlive: true },
    { name: 'no reason phrase, spaces around values', wire: 'HTTP/1.1 200\r\nContent-Length:   2  \r\n\r\n{}', status: 200, body: '{}', keepAlive: true },
  ];
  for (const c of cases) {
    it(`${c.name}, however the bytes are split`, () => {
      for (const pieces of everySplit(c.wire)) {
        const result = read(pieces, { end: c.end });
        expect(result.kind, `split ${JSON.stringify(pieces.slice(0, 2))}`).toBe('done');
        if (result.kind !== 'done') return;
        expect(result.response.status).toBe(c.status);
        expect(body(result)).toBe(c.body);
        expect(result.response.keepAlive).toBe(c.keepAlive);
        if (c.headers) expect(result.response.headers).toEqual(c.headers);
      }
    });
  }

  it('waits for the rest of a body and for the end of a close-framed one', () => {
    expect(read(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}'])).toEqual({ kind: 'more' });
    expect(read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n'])).toEqual({ kind: 'more' });
    expect(read(['HTTP/1.1 200 OK\r\n\r\n{}'])).toEqual({ kind: 'more' });
  });
});

describe('ResponseReader: refusals', () => {
  const cases: Array<{ name: string; pieces: string[]; end?: boolean; limits?: Partial<ResponseLimits>; reason: string | RegExp }> = [
    { name: 'not HTTP', pieces: ['SSH-2.0-OpenSSH_9.6\r\n\r\n'], reason: 'not an HTTP/1.x status line: "SSH-2.0-OpenSSH_9.6"' },
    { name: 'HTTP/2 preface', pieces: ['HTTP/2 200\r\n\r\n'], reason: /^not an HTTP\/1\.x status line/ },
    { name: 'a header line without a colon', pieces: ['HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\n{}'], reason: 'bad header line "Content-Length 2"' },
    { name: 'a folded header line', pieces: ['HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\n\r\n'], reason: 'bad header line "  2"' },
    { name: 'a Content-Length that is not a number', pieces: ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'], reason: 'bad Content-Length "-1"' },
    { name: 'conflicting Content-Length values', pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'], reason: 'bad Content-Length "2, 3"' },
    { name: 'gzip under chunked', pieces: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'], reason: 'unsupported transfer coding "gzip, chunked"' },
    { name: 'a switch of protocols', pieces: ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n'], reason: 'the server switched protocols' },
    { name: 'headers beyond the limit', pieces: [`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(200)}`], limits: { maxHeadBytes: 128 }, reason: 'headers longer than 128 bytes' },
    { name: 'a declared body beyond the limit', pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n'], limits: { maxBodyBytes: 1000 }, reason: 'answer larger than 1000 bytes' },
    {
      name: 'chunks beyond the limit',
      pieces: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n', 'a'.repeat(512), '\r\n200\r\n'],
      limits: { maxBodyBytes: 1000 },
      reason: 'answer larger than 1000 bytes',
    },
    { name: 'a close-framed body beyond the limit', pieces: ['HTTP/1.1 200 OK\r\n\r\n', 'a'.repeat(1001)], limits: { maxBodyBytes: 1000 }, reason: 'answer larger than 1000 bytes' },
    { name: 'a bad chunk size', pieces: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], reason: 'bad chunk size line "zz"' },
    { name: 'chunk data longer than its size', pieces: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n'], reason: 'chunk data longer than its size' },
    { name: 'bytes after the answer', pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1'], reason: 'bytes after the end of the response' },
    { name: 'bytes after a finished answer, in a later piece', pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}', 'x'], reason: 'bytes after the end of the response' },
    { name: 'the connection ends mid-body', pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{}'], end: true, reason: 'connection closed in the middle of the body' },
    { name: 'the connection ends mid-headers', pieces: ['HTTP/1.1 200 OK\r\nContent-'], end: true, reason: 'connection closed in the middle of the headers' },
    { name: 'the connection ends before any byte', pieces: [], end: true, reason: 'connection closed before any answer' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = read(c.pieces, { end: c.end, limits: c.limits });
      expect(result.kind).toBe('invalid');
      if (result.kind === 'invalid') expect(result.reason).toEqual(typeof c.reason === 'string' ? c.reason : expect.stringMatching(c.reason));
    });
  }

  it('stays refused: later bytes or the end change nothing', () => {
    const reader = new ResponseReader();
    expect(reader.push(Buffer.from('HTTP/9 200\r\n\r\n')).kind).toBe('invalid');
    expect(reader.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).kind).toBe('invalid');
    expect(reader.end().kind).toBe('invalid');
  });

  it('knows whether any byte of an answer came (a dropped kept-alive socket sends none)', () => {
    const reader = new ResponseReader();
    expect(reader.started).toBe(false);
    reader.push(Buffer.from('HTTP/1.1 2'));
    expect(reader.started).toBe(true);
  });
});
