import { DEMO_LINE_KEYS } from '../helpers/demo-line';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudDemo } from '../../cli/demo/cloud';
import { ReaderGone, streamPrinter } from '../../cli/demo/output';

const root = mkdtempSync(join(tmpdir(), 'ipferry-demo-pipe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('demo --json in a pipe', () => {
  it('a reader that exits after the first line ends the demo cleanly, the key folder (0700, keys 0600) removed', async () => {
    const lines: string[] = [];
    const modes: Record<string, number> = {};
    const stderr: string[] = [];
    const reports = await cloudDemo({
      json: true,
      showReturn: true,
      // Direct heartbeats: this test is about the pipe, not how liveness is learnt.
      liveness: 'direct',
      tmpRoot: root,
      progress: (l) => stderr.push(l),
      print: (line) => {
        if (lines.length >= 1) throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        lines.push(line);
        // While it runs: the folder is private to this user, the keys readable by it alone.
        const [dir] = readdirSync(root);
        modes[dir!] = statSync(join(root, dir!)).mode & 0o777;
        for (const f of readdirSync(join(root, dir!)).filter((n) => n.endsWith('.pem')))
          modes[f] = statSync(join(root, dir!, f)).mode & 0o777;
      },
      self: [process.execPath, '--import', 'tsx', resolve('cli/main.ts')],
    });
    expect(lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(lines[0]!) as object).sort()).toEqual(DEMO_LINE_KEYS);
    // It stopped at the second line: the return was never started.
    expect(reports.every((r) => r.event === 'failover')).toBe(true);
    expect(Object.values(modes)).toEqual([0o700, 0o600, 0o600, 0o600]);
    expect(readdirSync(root)).toEqual([]);
    // The narration went to the progress writer, none of it to the JSON output.
    expect(stderr.some((l) => l.includes('web1 killed'))).toBe(true);
  }, 120_000);

  it('a stream that reports EPIPE makes the next line throw ReaderGone, and never crashes the process', () => {
    const stream = new PassThrough();
    const print = streamPrinter(stream);
    print('{"a":1}');
    expect(print.gone()).toBe(false);
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(print.gone()).toBe(true);
    expect(() => print('{"a":2}')).toThrow(ReaderGone);
    expect(stream.read()!.toString()).toBe('{"a":1}\n');
    // A late EPIPE after the last line has a listener: no unhandled 'error'.
    expect(() => stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).not.toThrow();
  });
});
