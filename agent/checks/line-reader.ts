import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { CheckFailed, quote, type Attempt } from './attempt';

/** RFC 5321 allows 512 octets per reply line; IMAP greetings with capabilities run longer. */
const MAX_LINE = 8192;

/**
 * Turns a socket's byte stream into lines, whatever the packet boundaries: a line split across
 * packets is joined, several lines in one packet are queued. Lines end in LF; a CR before it is
 * dropped.
 */
export class LineReader {
  private readonly queue: string[] = [];
  private partial = '';
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly a: Attempt,
  ) {
    const decoder = new StringDecoder('utf8');
    socket.on('data', (chunk: Buffer) => this.take(decoder.write(chunk)));
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (err) => {
      this.failure ??= err;
      this.finish();
    });
  }

  /** The next line, or a failure saying why none came (closed, reset, too long). */
  async next(): Promise<string> {
    for (;;) {
      const line = this.queue.shift();
      if (line !== undefined) return line;
      if (this.failure) throw this.failure;
      if (this.closed) {
        const tail = this.partial ? ` after ${quote(this.partial)}` : '';
        throw new CheckFailed(`connection closed by server in ${this.a.phase}${tail}`);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Sends one command line with the CRLF every one of these protocols wants. */
  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  private take(text: string): void {
    this.partial += text;
    let nl = this.partial.indexOf('\n');
    while (nl >= 0) {
      this.queue.push(this.partial.slice(0, nl).replace(/\r$/, ''));
      this.partial = this.partial.slice(nl + 1);
      nl = this.partial.indexOf('\n');
    }
    if (this.partial.length > MAX_LINE) {
      this.failure ??= new CheckFailed(`${this.a.phase}: line longer than ${MAX_LINE} bytes`);
      this.socket.destroy();
    }
    this.notify();
  }

  private finish(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
