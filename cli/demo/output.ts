/**
 * Where the demo's lines go when stdout is a pipe: a reader that exits early (`| head -1`) must
 * end the demo cleanly, with its folder of private keys removed, not crash it on EPIPE.
 */
export class ReaderGone extends Error {
  constructor(cause?: unknown) {
    super('the reader of the output went away (EPIPE)', { cause });
    this.name = 'ReaderGone';
  }
}

export function isReaderGone(err: unknown): boolean {
  return err instanceof ReaderGone || (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/**
 * A line printer on a stream: once the stream reports EPIPE (Node reports it as an 'error' event
 * after the write, not as a throw), every later line throws ReaderGone, so the demo stops at its
 * next line and cleans up.
 */
export function streamPrinter(stream: NodeJS.WritableStream): ((line: string) => void) & { gone: () => boolean } {
  let gone: unknown;
  const onError = (err: unknown) => {
    if (!isReaderGone(err)) throw err;
    gone = err;
  };
  // Left in place for the process's life: an EPIPE after the last line must not crash it either.
  stream.on('error', onError);
  const print = (line: string) => {
    if (gone !== undefined) throw new ReaderGone(gone);
    stream.write(`${line}\n`);
  };
  // Lines come in bursts, so the demo also asks between them: it stops waiting for a reader that left.
  return Object.assign(print, { gone: () => gone !== undefined });
}
